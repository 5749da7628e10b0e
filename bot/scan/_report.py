"""Running automod over exported messages and summing up what it would have done."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.automod_factory import build_automod
from bot.core.automod import Detection
from bot.scan._common import DEFAULT_SLACK_TEAM, ExportMessage
from bot.scan._progress import Progress
from bot.scan._read import merged, open_export
from bot.scan._stream import Problem
from config.settings import Settings


@dataclass(frozen=True, slots=True)
class Example:
    time: datetime
    channel_id: str
    channel_name: str
    author_id: str
    author_name: str
    message_id: str
    excerpt: str
    detail: str
    action: str

    def as_json(self) -> dict[str, str]:
        return {"time": self.time.isoformat(), "channel": self.channel_id,
                "channel_name": self.channel_name, "author": self.author_id,
                "author_name": self.author_name, "message_id": self.message_id,
                "excerpt": self.excerpt, "detail": self.detail, "action": self.action}


@dataclass
class RuleTally:
    rule_id: str
    clause_id: str
    severity: str
    count: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    examples: list[Example] = field(default_factory=list)


@dataclass
class ScanReport:
    """What automod would have done over the history scanned."""

    sources: list[str]
    examples_per_rule: int
    messages: int = 0
    flagged_messages: int = 0
    first: datetime | None = None
    last: datetime | None = None
    channel_names: dict[str, str] = field(default_factory=dict)
    channel_messages: Counter[str] = field(default_factory=Counter)
    rules: dict[str, RuleTally] = field(default_factory=dict)
    by_channel: dict[str, Counter[str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # parts that could not be read

    @property
    def complete(self) -> bool:
        """True when no message was lost to an unreadable part of an export."""
        return not any(problem.lost for problem in self.problems)

    @property
    def detections(self) -> int:
        return sum(t.count for t in self.rules.values())

    def add(self, message: ExportMessage, detections: Sequence[Detection]) -> None:
        scanned = message.scanned
        channel = scanned.channel_id
        self.messages += 1
        self.first = scanned.timestamp if self.first is None else min(self.first,
                                                                      scanned.timestamp)
        self.last = scanned.timestamp if self.last is None else max(self.last,
                                                                    scanned.timestamp)
        self.channel_names.setdefault(channel, message.channel_name)
        self.channel_messages[channel] += 1
        if not detections:
            return
        self.flagged_messages += 1
        for detection in detections:
            tally = self.rules.get(detection.rule_id)
            if tally is None:
                tally = self.rules[detection.rule_id] = RuleTally(
                    detection.rule_id, detection.clause_id, detection.severity.value)
            tally.count += 1
            tally.actions[detection.action.value] += 1
            tally.channels[channel] += 1
            self.by_channel.setdefault(channel, Counter())[detection.rule_id] += 1
            if len(tally.examples) < self.examples_per_rule:
                tally.examples.append(Example(
                    scanned.timestamp, channel, message.channel_name, scanned.author_id,
                    message.author_name, message.message_id, detection.excerpt,
                    detection.detail, detection.action.value))

    def _rules_worst_first(self) -> list[RuleTally]:
        return sorted(self.rules.values(), key=lambda t: (-t.count, t.rule_id))

    def _channels_worst_first(self) -> list[tuple[str, Counter[str]]]:
        return sorted(self.by_channel.items(), key=lambda kv: (-kv[1].total(), kv[0]))

    def as_json(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "messages": self.messages,
            "channels": len(self.channel_messages),
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "complete": self.complete,
            "problems": [{"where": p.where, "problem": p.what, "messages_lost": p.lost}
                         for p in self.problems],
            "flagged_messages": self.flagged_messages,
            "detections": self.detections,
            "rules": {t.rule_id: {
                "count": t.count, "clause": t.clause_id, "severity": t.severity,
                "actions": dict(t.actions), "channels": dict(t.channels.most_common()),
                "examples": [e.as_json() for e in t.examples],
            } for t in self._rules_worst_first()},
            "by_channel": {channel: {
                "name": self.channel_names.get(channel, ""),
                "messages": self.channel_messages[channel],
                "count": rules.total(), "rules": dict(rules.most_common()),
            } for channel, rules in self._channels_worst_first()},
        }

    def render(self) -> str:
        span = (f", {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"
                if self.first and self.last else "")
        lines = [f"Scanned {_plural(self.messages, 'message')} in "
                 f"{_plural(len(self.channel_messages), 'channel')} from "
                 f"{_plural(len(self.sources), 'export')}{span}. Nothing was sent or removed."]
        if not self.complete:
            lost = sum(problem.lost for problem in self.problems)
            lines.append(f"Incomplete: {_plural(lost, 'part')} of the export could not be "
                         "read (named on stderr); the figures cover the rest.")
        if not self.rules:
            lines.append("No rule would have flagged anything.")
            return "\n".join(lines)
        lines.append(f"Would have flagged {_plural(self.flagged_messages, 'message')} "
                     f"({_plural(self.detections, 'detection')}).")
        lines += ["", "By rule:"]
        width = max(len(rule) for rule in self.rules)
        for tally in self._rules_worst_first():
            actions = ", ".join(f"{action} {n}" for action, n in tally.actions.most_common())
            lines.append(f"  {tally.rule_id:<{width}}  {tally.count:>6}  "
                         f"({tally.severity}, clause {tally.clause_id}; {actions})")
        lines += ["", "By channel:"]
        for channel, rules in self._channels_worst_first():
            name = self.channel_names.get(channel) or channel
            detail = ", ".join(f"{rule} {n}" for rule, n in rules.most_common())
            lines.append(f"  {name} ({channel}): {rules.total()} of "
                         f"{self.channel_messages[channel]} messages: {detail}")
        if self.examples_per_rule:
            lines += ["", "Examples:"]
            for tally in self._rules_worst_first():
                lines.append(f"  {tally.rule_id} ({len(tally.examples)} of {tally.count}):")
                for ex in tally.examples:
                    excerpt = " ".join(ex.excerpt.split())
                    lines.append(f"    {ex.time.astimezone(UTC):%Y-%m-%d %H:%M} UTC  "
                                 f"{ex.channel_name}  {ex.author_name}: “{excerpt}”"
                                 f"  [{ex.detail}]")
        return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def scan_exports(paths: Sequence[Path], settings: Settings, *, examples_per_rule: int = 3,
                 progress: TextIO | None = None) -> ScanReport:
    """Stream every export and scan all their messages in the order they were sent.

    Memory stays flat whatever the export's size: one message per channel is held (for the
    merge by time), plus the report's totals and examples. ``ExportError`` when a path is
    not an export at all (nothing scanned); a part that cannot be read (cut off, not JSON,
    a malformed message) is reported in ``ScanReport.problems`` and the rest scanned.
    ``progress``: where to draw a progress bar (stderr), or None.
    """
    automod = build_automod(settings)
    team = settings.slack.team_id if settings.slack else DEFAULT_SLACK_TEAM
    report = ScanReport([str(p) for p in paths], examples_per_rule)
    with ExitStack() as stack:
        streams = [stream for path in paths
                   for stream in open_export(path, stack, report.problems, slack_team=team)]
        bar = Progress(sum(s.size for s in streams), progress) if progress else None
        for message in merged(streams, report.problems, bar.add_bytes if bar else None):
            report.add(message, automod.scan(message.scanned))
            if bar is not None:
                bar.add_message()
        if bar is not None:
            bar.finish()
    return report
