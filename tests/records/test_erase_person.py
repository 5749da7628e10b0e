"""``coc-bot export person`` and ``coc-bot erase person`` on a real database file: after
the erasure neither the file (nor its journal) nor a new backup holds the person's ids or
words, and the erasure is on the record."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.identity import PersonRef, PlatformName
from bot.core.models import AuditEntry, IncidentKind, Report
from bot.core.services import IncidentDraft, ReportDraft
from tests.core.harness import STAFF
from tests.records.conftest import Seeded, cli

ERIN = PersonRef(PlatformName.DISCORD, "100", "918273645501")
ERIN_SLACK = PersonRef(PlatformName.SLACK, "T1", "U0ERASEME1")
HER_WORDS = "zebra-unicorn-marmalade"


def raw(path: Path) -> bytes:
    data = path.read_bytes()
    for suffix in ("-wal", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            data += side.read_bytes()
    return data


async def _seed_erin(seeded: Seeded) -> None:
    h = seeded.harness
    await h.services.people.link(STAFF, ERIN, ERIN_SLACK)
    said = h.platform.write("555", ERIN, f"{HER_WORDS}, call 312-555-0199")
    await h.services.incidents.handle(STAFF, IncidentDraft(
        subject=ERIN, kind=IncidentKind.REMOVAL, clause_id="no-harassment", message=said,
        excerpt=HER_WORDS))
    await h.services.reports.submit(ERIN_SLACK, ReportDraft(
        reason=f"{HER_WORDS} is what they called me", anonymous=True,
        target=seeded.case.subject))


async def test_export_person_then_erase_leaves_no_trace_in_the_file_or_a_backup(
        seeded: Seeded, tmp_path: Path) -> None:
    await _seed_erin(seeded)
    exported = cli("export", "person", ERIN.key, env=seeded.env)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert {"incidents", "evidence", "person_links", "reports"} <= set(document["records"])
    async with seeded.harness.storage.transaction() as tx:
        reports_before = await tx.count(Report)

    refused = cli("erase", "person", ERIN.key, env=seeded.env)
    assert refused.returncode == 2 and "--reason" in refused.stderr

    result = cli("erase", "person", ERIN.key, "--reason", "request of 2026-01-09",
                 env=seeded.env)
    assert result.returncode == 0, result.stderr
    assert "erased:" in result.stdout and "Backups made before now" in result.stdout
    await seeded.harness.storage.close()  # this process's connection, so the files settle

    backup = tmp_path / "after.db"
    made = cli("backup", str(backup), env=seeded.env)
    assert made.returncode == 0, made.stderr
    for data in (raw(seeded.db), raw(backup)):
        for trace in (ERIN.id, ERIN_SLACK.id, HER_WORDS, "312-555-0199"):
            assert trace.encode() not in data, trace
        assert seeded.case.id.encode() in data  # the rest of the record is still there

    from storage import open_migrated
    store = await open_migrated(f"sqlite:///{backup}")
    try:
        async with store.transaction() as tx:
            assert await tx.count(Report) == reports_before
            entries = await tx.find(AuditEntry, action="person.erased")
            assert [e.reason for e in entries] == ["request of 2026-01-09"]
    finally:
        await store.close()

    again = cli("export", "person", ERIN.key, env=seeded.env)
    assert again.returncode == 1 and "Nothing is stored" in again.stderr


async def test_a_bad_reference_is_one_clear_line(seeded: Seeded) -> None:
    result = cli("erase", "person", "nobody", "--reason", "x", env=seeded.env)
    assert result.returncode == 1 and "not a valid person" in result.stderr
    assert "Traceback" not in result.stderr
