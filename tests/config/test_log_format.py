"""``--log-format json``: one JSON object a line, references as fields, nothing else."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from bot.cli import main
from bot.core.refs import log_fields
from bot.log_setup import ReferenceJsonFormatter
from tests.config.test_cli import ROOT
from tests.core.flows.test_appeals import SUBJECT, decided_case
from tests.core.harness import Harness


def _format(record: logging.LogRecord) -> dict[str, object]:
    parsed = json.loads(ReferenceJsonFormatter().format(record))
    assert isinstance(parsed, dict)
    return parsed


def test_a_record_carries_its_references_and_no_other_extra() -> None:
    record = logging.LogRecord("bot.core.services.cases", logging.WARNING, __file__, 1,
                               "case %s: announcement failed", ("C-7K3Q9AX",), None)
    for key, value in {**log_fields("C-7K3Q9AX", "R-1234567", "not a ref", None),
                       "body": "Quokka-9431 keeps sending me his address"}.items():
        setattr(record, key, value)  # what extra= does
    parsed = _format(record)
    assert parsed == {"timestamp": parsed["timestamp"], "level": "WARNING",
                      "logger": "bot.core.services.cases",
                      "message": "case C-7K3Q9AX: announcement failed",
                      "case": "C-7K3Q9AX", "report": "R-1234567"}


async def test_a_service_log_line_names_its_case(harness: Harness,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    harness.platform.closed_dms.add(SUBJECT)
    caplog.set_level(logging.INFO, logger="bot.core")
    case = await decided_case(harness, communicate=False)
    undelivered = [r for r in caplog.records if "not delivered" in r.getMessage()]
    assert undelivered
    assert _format(undelivered[-1])["case"] == case.id


def test_the_cli_writes_json_lines_when_asked() -> None:
    code = ("from bot.cli import main; import logging, sys; "
            "from bot.log_setup import configure_logging; "
            "configure_logging('INFO', 'json'); "
            "logging.getLogger('bot.test').warning('case %s', 'C-1', extra={'case': 'C-1'})")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, check=True)
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["case"] == "C-1" and line["level"] == "WARNING" and line["message"] == "case C-1"


def test_an_unknown_log_format_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--log-format", "xml", "check-config"]) == 2
    assert "unknown log format 'xml'" in capsys.readouterr().err
