"""The scan reads exports as streams: cut-off files, bytes that are not UTF-8, broken JSON
and the progress bar, and proof that it does not read a file whole before scanning."""

from __future__ import annotations

import json
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pytest

from bot.scan._read import merged, open_export
from bot.scan._stream import Problem
from tests.scan.test_scan import (
    CARD,
    CHANNEL,
    JOBS,
    START,
    counts,
    discord_export,
    discord_message,
    run,
    slack_folder,
)


def many(count: int, *, card_at: int | None = None, channel: str = CHANNEL) -> list[dict]:
    return [discord_message(n, f"my card is {CARD}" if n == card_at else f"note {n}",
                            at=START + timedelta(seconds=n), author=str(100 + n % 7),
                            name=f"p{n % 7}") for n in range(count)]


def pretty_export(tmp_path: Path, messages: list[dict], channel: str = CHANNEL) -> Path:
    """As DiscordChatExporter writes it: indented, one field a line."""
    path = discord_export(tmp_path, channel, f"c{channel}", messages)
    path.write_text(json.dumps(json.loads(path.read_text("utf-8")), indent=2), "utf-8")
    return path


def test_a_cut_off_file_scans_what_came_before_and_names_where_it_ends(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = pretty_export(tmp_path, many(40, card_at=3))
    raw = path.read_bytes()
    cut = raw[: raw.index(b'"note 30"')]  # in the middle of message 30
    path.write_bytes(cut)
    code, out, err = run(capsys, "scan", str(path), "--format", "json")
    summary = json.loads(out)  # stdout is still one clean JSON document
    assert code == 2 and "Traceback" not in err
    assert summary["messages"] == 30 and counts(summary) == {"pii-card": 1}
    lines = cut.count(b"\n") + 1
    assert f"line {lines}, byte {len(cut)} (the end of the file)" in err
    assert "cut off" in err and "The messages before it were scanned." in err
    assert summary["complete"] is False


def test_bytes_that_are_not_utf8_are_named_replaced_and_scanned_on(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = pretty_export(tmp_path, many(10, card_at=8))
    raw = path.read_bytes()
    at = raw.index(b"note 5") + len(b"note ")
    path.write_bytes(raw[:at] + b"\xff\xfe" + raw[at:])
    code, out, err = run(capsys, "scan", str(path), "--format", "json")
    summary = json.loads(out)
    assert code == 0, err  # nothing was lost: a warning only
    assert summary["messages"] == 10 and counts(summary) == {"pii-card": 1}
    line = raw[:at].count(b"\n") + 1
    assert f"warning: {path}: line {line}, byte {at}: bytes that are not UTF-8" in err
    assert summary["problems"][0]["messages_lost"] is False


def test_broken_json_mid_file_is_placed_and_the_other_files_are_scanned(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = pretty_export(tmp_path, many(30, card_at=2))
    raw = broken.read_bytes()
    at = raw.index(b'"note 20"')
    broken.write_bytes(raw[:at] + b"}}]]garbage" + raw[at:])
    other = pretty_export(tmp_path, many(5, card_at=4), channel=JOBS)
    code, out, err = run(capsys, "scan", str(broken), str(other), "--format", "json")
    summary = json.loads(out)
    assert code == 2
    assert counts(summary) == {"pii-card": 2}  # one before the break, one in the other file
    assert 20 <= summary["messages"] - 5 <= 20
    assert "not valid JSON" in err and str(broken) in err and "line" in err


def test_a_cut_off_slack_day_is_reported_and_the_next_day_read(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    root = slack_folder(tmp_path)
    day = root / "general" / "2026-01-05.json"
    day.write_bytes(day.read_bytes()[:-20])
    (root / "general" / "2026-01-06.json").write_text(json.dumps([
        {"type": "message", "user": "U01", "text": f"again {CARD}",
         "ts": f"{START.timestamp() + 86400:.6f}"}]), encoding="utf-8")
    code, out, err = run(capsys, "scan", str(root), "--format", "json")
    summary = json.loads(out)
    assert code == 2 and "general/2026-01-05.json" in err and "cut off" in err
    assert summary["rules"]["pii-card"]["count"] == 2  # the day before the cut, and the next


def test_the_progress_bar_goes_to_stderr_only(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    path = pretty_export(tmp_path, many(50))
    code, out, err = run(capsys, "scan", str(path), "--format", "json", "--progress")
    assert code == 0 and json.loads(out)["messages"] == 50
    assert "100%" in err and "50 messages" in err
    # Not a terminal and not asked for: no bar at all.
    code, out, err = run(capsys, "scan", str(path), "--format", "json")
    assert code == 0 and err == ""


def test_the_scan_streams_rather_than_reading_files_whole(tmp_path: Path) -> None:
    """The first message comes out after a small part of each file was read."""
    first = pretty_export(tmp_path, many(3000))
    second = pretty_export(tmp_path, many(3000), channel=JOBS)
    read: list[int] = []
    problems: list[Problem] = []
    with ExitStack() as stack:
        streams = [s for p in (first, second) for s in open_export(p, stack, problems)]
        messages = merged(streams, problems, read.append)
        assert next(messages).scanned.text == "note 0"
        total = first.stat().st_size + second.stat().st_size
        assert 0 < sum(read) < total / 10
        assert sum(1 for _ in messages) == 5999
    assert sum(read) == total and problems == []
