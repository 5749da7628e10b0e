"""Measuring rules on labelled messages: precision, recall and F1 (``coc-bot eval``).

Staff label messages they know the answer for (``text,label`` CSV or JSON Lines) and see
what the configured rules would do before turning a change on. A label is a rule id
(``hate-slurs``), a category (``hate``, ``pii``, ``spam``...), a clause of the Code
(``no-harassment``: every rule citing it) or ``ok`` (nothing should be flagged).

Each message is scanned on its own (its own author, an hour after the previous one), so
the repetition rules, which judge sequences, do not fire on a file of unrelated texts.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.automod import _builtin as builtin
from bot.core.automod._engine import Automod
from bot.core.automod._lists import (
    EXPLETIVES,
    HARASSMENT,
    HATE,
    HATE_REVIEW,
    PROFANITY,
    SEXUAL,
)
from bot.core.automod._model import Action, ScannedMessage
from bot.core.automod._repetition import DUPLICATE, FLOOD, MASS_MENTION
from bot.core.errors import InvalidInput

OK = "ok"
CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "hate": (HATE, HATE_REVIEW),
    "profanity": (PROFANITY, EXPLETIVES),
    "sexual": (SEXUAL,),
    "harassment": (HARASSMENT,),
    "abuse": (HATE, HATE_REVIEW, PROFANITY, EXPLETIVES, SEXUAL, HARASSMENT),
    "pii": builtin.PII_RULES,
    "spam": (builtin.ADVERTISING, DUPLICATE, FLOOD, MASS_MENTION, "blocked-link"),
}
_MAX_ERRORS = 10
_START = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Labelled:
    """One labelled message and the line of the file it came from."""

    text: str
    label: str
    line: int


@dataclass(slots=True)
class Score:
    """Counts for one label (or one rule) and the measures computed from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p is not None and r is not None and p + r else None


@dataclass(slots=True)
class Report:
    """What ``evaluate`` measured; ``render`` is the table staff read."""

    rows: int = 0
    labels: dict[str, Score] = field(default_factory=dict)
    rules: dict[str, Score] = field(default_factory=dict)  # tp/fp of each rule's firings
    ok_rows: int = 0
    ok_flagged: int = 0
    ok_removed: int = 0

    def render(self) -> str:
        lines = [f"{self.rows} labelled messages", "",
                 f"{'label':<24}{'n':>6}{'precision':>11}{'recall':>8}{'F1':>7}"]
        for label, score in sorted(self.labels.items()):
            lines.append(f"{label:<24}{score.tp + score.fn:>6}{_pct(score.precision):>11}"
                         f"{_pct(score.recall):>8}{_pct(score.f1):>7}")
        lines += ["", f"{'rule':<24}{'fired':>6}{'right':>7}{'precision':>11}"]
        for rule, score in sorted(self.rules.items()):
            lines.append(f"{rule:<24}{score.tp + score.fp:>6}{score.tp:>7}"
                         f"{_pct(score.precision):>11}")
        if self.ok_rows:
            lines += ["", f"'ok' messages: {self.ok_rows}; flagged {self.ok_flagged} "
                          f"({self.ok_flagged / self.ok_rows:.2%}), removed {self.ok_removed} "
                          f"({self.ok_removed / self.ok_rows:.2%})"]
        return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def read_labelled(path: Path) -> list[Labelled]:
    """Rows of a ``.csv`` (header with ``text`` and ``label``) or ``.jsonl`` file.

    Malformed lines are refused together, each named by its line number, so the file can
    be fixed in one go; nothing is measured on a file that is partly wrong.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror}).") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InvalidInput(f"{path}: line {line} is not UTF-8 text.") from exc
    rows, errors = (_read_jsonl(text) if path.suffix.lower() in (".jsonl", ".json", ".ndjson")
                    else _read_csv(text))
    if errors:
        more = f" (and {len(errors) - _MAX_ERRORS} more)" if len(errors) > _MAX_ERRORS else ""
        raise InvalidInput(f"{path}: malformed lines{more}:\n  " +
                           "\n  ".join(errors[:_MAX_ERRORS]))
    if not rows:
        raise InvalidInput(f"{path}: no labelled messages in the file.")
    return rows


def _read_csv(text: str) -> tuple[list[Labelled], list[str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = [f.strip().lower() for f in reader.fieldnames or ()]
    if "text" not in fields or "label" not in fields:
        return [], ["line 1: the header must name the columns 'text' and 'label' "
                    f"(found {', '.join(reader.fieldnames or ()) or 'nothing'})."]
    reader.fieldnames = fields
    rows: list[Labelled] = []
    errors: list[str] = []
    try:
        for record in reader:
            line = reader.line_num
            body, label = record.get("text"), record.get("label")
            if None in record or body is None or label is None:
                errors.append(f"line {line}: expected the columns {', '.join(fields)}.")
            elif not label.strip():
                errors.append(f"line {line}: the label is empty.")
            else:
                rows.append(Labelled(body, label.strip().lower(), line))
    except csv.Error as exc:
        errors.append(f"line {reader.line_num}: {exc}.")
    return rows, errors


def _read_jsonl(text: str) -> tuple[list[Labelled], list[str]]:
    rows: list[Labelled] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: not JSON ({exc.msg}).")
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str) \
                or not isinstance(record.get("label"), str) or not record["label"].strip():
            errors.append(f"line {number}: expected {{\"text\": \"...\", \"label\": \"...\"}} "
                          "with both as non-empty strings.")
            continue
        rows.append(Labelled(record["text"], record["label"].strip().lower(), number))
    return rows, errors


def expected_rules(label: str, automod: Automod) -> frozenset[str] | None:
    """The rules a label stands for (empty for ``ok``); None for an unknown label."""
    rules = automod.config.rules
    if label == OK:
        return frozenset()
    if label in rules:
        return frozenset({label})
    if label in CATEGORIES:
        return frozenset(CATEGORIES[label])
    by_clause = frozenset(r for r, s in rules.items() if s.clause_id == label)
    return by_clause or None


def evaluate(automod: Automod, rows: Sequence[Labelled], *, channel: str = "eval:0:0",
             restricts_promotion: bool | None = None) -> Report:
    """Scan every row and count, per label and per rule, what was right and wrong."""
    expected = {}
    unknown = []
    for row in rows:
        wanted = expected_rules(row.label, automod)
        if wanted is None:
            unknown.append(row)
        expected[row.label] = wanted or frozenset()
    if unknown:
        choices = sorted({OK, *CATEGORIES, *automod.config.rules})
        raise InvalidInput("unknown labels: " + "; ".join(
            f"line {r.line}: {r.label!r}" for r in unknown[:_MAX_ERRORS]) +
            f". A label is 'ok', a rule id, a category or a clause id: {', '.join(choices)}.")
    report = Report(rows=len(rows))
    for label in {r.label for r in rows} - {OK}:
        report.labels[label] = Score()
    for index, row in enumerate(rows):
        found = automod.scan(ScannedMessage(
            text=row.text, author_id=f"eval-{index}", channel_id=channel,
            timestamp=_START + timedelta(hours=index), restricts_promotion=restricts_promotion))
        _count(report, row, expected, {d.rule_id for d in found},
               any(d.action is not Action.ALERT_STAFF for d in found))
    return report


def _count(report: Report, row: Labelled, expected: Mapping[str, frozenset[str]],
           fired: set[str], removed: bool) -> None:
    wanted = expected[row.label]
    if row.label == OK:
        report.ok_rows += 1
        report.ok_flagged += bool(fired)
        report.ok_removed += removed
    for label, score in report.labels.items():
        rules = expected[label]
        hit = not fired.isdisjoint(rules)
        if label == row.label:
            score.tp += hit
            score.fn += not hit
        elif hit and wanted.isdisjoint(rules):
            score.fp += 1
    for rule in fired:
        score = report.rules.setdefault(rule, Score())
        if rule in wanted:
            score.tp += 1
        else:
            score.fp += 1

