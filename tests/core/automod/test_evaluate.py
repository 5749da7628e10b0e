"""``coc-bot eval``: measures on labelled files, and refuses malformed ones by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.core.automod import Automod, load_automod
from bot.core.automod.evaluate import Labelled, evaluate, read_labelled
from bot.core.errors import InvalidInput


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_counts_per_label_and_per_rule() -> None:
    rows = [Labelled("you are a faggot", "hate", 2), Labelled("f4gg0t", "hate-slurs", 3),
            Labelled("nice weather", "hate", 4), Labelled("kill yourself", "harassment", 5),
            Labelled("what a bitch", "ok", 6), Labelled("hello", "ok", 7),
            Labelled("mail jo@example.com", "pii", 8), Labelled("my nigga", "ok", 9)]
    report = evaluate(Automod(load_automod({})), rows)
    hate = report.labels["hate"]
    # The hate-slurs row is no false positive of "hate"; the "ok" row hate-review flags is.
    assert (hate.tp, hate.fn, hate.fp) == (1, 1, 1)
    assert hate.precision == 0.5 and hate.recall == 0.5 and hate.f1 == 0.5
    assert report.labels["pii"].recall == 1.0
    assert (report.rules["hate-slurs"].tp, report.rules["hate-slurs"].fp) == (2, 0)
    assert report.rules["profanity"].fp == 1
    assert (report.ok_rows, report.ok_flagged, report.ok_removed) == (3, 2, 0)
    assert "hate " in report.render() and "'ok' messages: 3; flagged 2 (66.67%)" in \
        report.render()


def test_eval_command_reads_csv_and_jsonl(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    csv_file = _write(tmp_path, "l.csv", 'id,text,label\n1,"kill yourself, now",harassment\n'
                                         '2,hello,ok\n')
    assert main(["eval", str(csv_file)]) == 0
    out = capsys.readouterr().out
    assert "harassment" in out and "1.000" in out
    jsonl = _write(tmp_path, "l.jsonl", '{"text": "kys", "label": "harassment"}\n\n'
                                        '{"text": "hi", "label": "OK"}\n')
    assert main(["eval", str(jsonl)]) == 0
    assert "2 labelled messages" in capsys.readouterr().out


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("a.csv", "message,tag\nhi,ok\n", "line 1: the header must name the columns 'text' and "
                                       "'label'"),
    ("b.csv", "text,label\nhi,ok\nthere\nyou,\n", "line 3: expected the columns text, label"),
    ("c.csv", "text,label\nhi,ok\nyou,\n", "line 3: the label is empty"),
    ("d.jsonl", '{"text": "a", "label": "ok"}\nnot json\n[1]\n{"text": 2, "label": "ok"}\n',
     "line 2: not JSON"),
    ("e.jsonl", '{"text": "a", "label": "ok"}\n{"text": "b", "label": "ok"}\n{"text": "b"}\n',
     "line 3: expected"),
    ("f.csv", "text,label\nhi,no-such-label\n", "line 2: 'no-such-label'"),
    ("g.csv", "text,label\n", "no labelled messages"),
    ("h.csv", b"text,label\nhi,ok\ncaf\xe9,ok\n", "line 3 is not UTF-8"),
    ("missing.csv", None, "cannot be read"),
])
def test_bad_input_is_refused_naming_the_line(tmp_path: Path, name: str,
                                              content: str | bytes | None, expected: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name if content is None else _write(tmp_path, name, content)
    assert main(["eval", str(path)]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err, captured.err
    assert captured.out == "" and "Traceback" not in captured.err


def test_every_malformed_line_is_named_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.jsonl", "\n".join(["nope"] * 12 + ['{"text":"a","label":"ok"}']))
    with pytest.raises(InvalidInput) as caught:
        read_labelled(path)
    message = str(caught.value)
    assert "line 1:" in message and "line 10:" in message and "(and 2 more)" in message


def test_a_promotion_restricted_channel_is_measured_on_request() -> None:
    rows = [Labelled("join my server discord.gg/freestuff now", "advertising", 2)]
    automod = Automod(load_automod({}))
    assert evaluate(automod, rows).labels["advertising"].recall == 0.0
    assert evaluate(automod, rows, restricts_promotion=True).labels["advertising"].recall == 1.0
