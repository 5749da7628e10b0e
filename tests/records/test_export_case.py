"""``coc-bot export case``: the case file as JSON or HTML, to stdout or a new private file;
bad input is one clear line and nothing written or audited."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import jsonschema

from bot.core.models import AuditEntry
from tests.core.flows.test_case_file import SCHEMA
from tests.records.conftest import Seeded, cli


async def test_json_to_stdout_fits_the_schema(seeded: Seeded) -> None:
    result = cli("export", "case", seeded.case.id, env=seeded.env)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["case"]["id"] == seeded.case.id
    assert len(document["motions"][0]["votes"]) == 6


async def test_html_to_a_new_private_file_never_overwritten(seeded: Seeded,
                                                            tmp_path: Path) -> None:
    out = tmp_path / "case.html"
    result = cli("export", "case", seeded.case.id.lower(), "--format", "html", "--out",
                 str(out), env=seeded.env)
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and seeded.case.id in page
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    again = cli("export", "case", seeded.case.id, "--out", str(out), env=seeded.env)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert out.read_text(encoding="utf-8") == page


async def test_an_unknown_case_or_database_is_one_clear_line(seeded: Seeded,
                                                             tmp_path: Path) -> None:
    async with seeded.harness.storage.transaction() as tx:
        audited = await tx.count(AuditEntry)
    result = cli("export", "case", "C-NOPE", env=seeded.env)
    assert result.returncode == 1 and "no case 'C-NOPE'" in result.stderr
    assert "Traceback" not in result.stderr
    async with seeded.harness.storage.transaction() as tx:
        assert await tx.count(AuditEntry) == audited
    missing = tmp_path / "missing.db"
    result = cli("export", "case", seeded.case.id,
                 env={**seeded.env, "DATABASE_URL": f"sqlite:///{missing}"})
    assert result.returncode == 1 and "no database" in result.stderr
    assert not missing.exists()
