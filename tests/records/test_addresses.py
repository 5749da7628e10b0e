"""``coc-bot addresses``: a CSV is validated whole (bad lines named, nothing changed), the
address book is listed and removed from, and it is personal data: ``export person`` shows
it and ``erase person`` removes it."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.identity import PersonRef, PlatformName
from bot.core.models import EmailAddress
from tests.records.conftest import Seeded, cli

ERIN = PersonRef(PlatformName.DISCORD, "100", "918273645501")
ERIN_ADDRESS = "erin.zebra@example.org"


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "addresses.csv"
    path.write_text(text, encoding="utf-8")
    return path


async def stored(seeded: Seeded) -> list[EmailAddress]:
    async with seeded.harness.storage.transaction() as tx:
        return list(await tx.find(EmailAddress))


async def test_a_file_with_bad_lines_is_refused_whole_naming_each(
        seeded: Seeded, tmp_path: Path) -> None:
    path = csv_file(tmp_path, "account,address\n"
                              f"{ERIN.key},{ERIN_ADDRESS}\n"
                              "discord:100:2,not-an-address\n"
                              "telegram:5,x@example.org\n"
                              "discord:100:3\n"
                              f"{ERIN.key},other@example.org\n")
    result = cli("addresses", "import", str(path), "--no-dns", env=seeded.env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for line in ("line 3:", "line 4:", "line 5:", "line 6:"):
        assert line in result.stderr, line
    assert "line 2:" not in result.stderr and "nothing changed" in result.stderr
    assert await stored(seeded) == []


async def test_import_list_remove_and_the_short_account_form(
        seeded: Seeded, tmp_path: Path) -> None:
    path = csv_file(tmp_path, f"{ERIN.key}, Erin.Zebra@Example.ORG \ndiscord:42,b@example.org\n")
    result = cli("addresses", "import", str(path), "--no-dns", env=seeded.env)
    assert result.returncode == 0, result.stderr
    assert "imported 2 new address(es), replaced 0" in result.stdout
    listed = cli("addresses", "list", env=seeded.env)
    assert listed.stdout.splitlines() == [f"{ERIN.key},Erin.Zebra@example.org",
                                          "discord:111111111111111111:42,b@example.org"]
    again = cli("addresses", "import", str(path), "--no-dns", env=seeded.env)
    assert "imported 0 new address(es), replaced 2" in again.stdout
    removed = cli("addresses", "remove", "discord:42", env=seeded.env)
    assert removed.returncode == 0, removed.stderr
    assert [e.person for e in await stored(seeded)] == [ERIN]
    missing = cli("addresses", "remove", "discord:42", env=seeded.env)
    assert missing.returncode == 1 and "No e-mail address is stored" in missing.stderr


async def test_the_address_is_exported_and_erased_with_the_person(
        seeded: Seeded, tmp_path: Path) -> None:
    path = csv_file(tmp_path, f"{ERIN.key},{ERIN_ADDRESS}\n")
    assert cli("addresses", "import", str(path), "--no-dns", env=seeded.env).returncode == 0
    exported = cli("export", "person", ERIN.key, env=seeded.env)
    assert exported.returncode == 0, exported.stderr
    [row] = json.loads(exported.stdout)["records"]["email_addresses"]
    assert row["address"] == ERIN_ADDRESS
    erased = cli("erase", "person", ERIN.key, "--reason", "asked", env=seeded.env)
    assert erased.returncode == 0, erased.stderr
    assert await stored(seeded) == []
    await seeded.harness.storage.close()
    assert ERIN_ADDRESS.encode() not in seeded.db.read_bytes()
