"""Telling export formats apart by their shape, and streaming each in the order sent.

An export is opened into *streams*: one per Discord channel file, one per Slack channel
(its day files in turn). Each stream is in the order its messages were sent, so merging
the streams by time (``heapq.merge``) scans the whole history in order while holding one
message per stream in memory, never the export.
"""

from __future__ import annotations

import heapq
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bot.scan._common import DEFAULT_SLACK_TEAM, ExportError, ExportMessage
from bot.scan._discord import DiscordFile, read_discord, sniff_discord
from bot.scan._slack import (
    FolderSource,
    SlackChannel,
    ZipSource,
    read_slack_channel,
    slack_channels,
)
from bot.scan._stream import Problem

OnBytes = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Stream:
    """One channel's messages, oldest first, read when iterated."""

    part: DiscordFile | SlackChannel
    size: int  # bytes of JSON it will read (for the progress bar)

    def messages(self, problems: list[Problem],
                 on_bytes: OnBytes | None = None) -> Iterator[ExportMessage]:
        """The messages; a file that breaks off ends the stream with a problem reported."""
        try:
            if isinstance(self.part, DiscordFile):
                yield from read_discord(self.part, problems, on_bytes)
            else:
                yield from read_slack_channel(self.part, problems, on_bytes)
        except ExportError as exc:
            problems.append(Problem(_where(self.part), _after(str(exc), _where(self.part))))


def _where(part: DiscordFile | SlackChannel) -> str:
    return str(part.path) if isinstance(part, DiscordFile) else part.source.name


def _after(text: str, where: str) -> str:
    return text.removeprefix(f"{where}: ") + " The messages before it were scanned."


def open_export(path: Path, stack: ExitStack, problems: list[Problem], *,
                slack_team: str = DEFAULT_SLACK_TEAM) -> list[Stream]:
    """The streams of one export (file, folder or zip); ``ExportError`` when it is not one
    at all. A zip stays open in ``stack`` while its streams are read."""
    if not path.exists():
        raise ExportError(f"'{path}' does not exist.")
    if path.is_dir():
        if (path / "channels.json").is_file():
            return _slack(FolderSource(path), slack_team, problems)
        # DiscordChatExporter exports a whole server as a folder of one file per channel.
        files = sorted(path.glob("*.json"))
        if not files:
            raise _unknown(path, "a folder without channels.json or .json files")
        return [s for file in files
                for s in open_export(file, stack, problems, slack_team=slack_team)]
    if zipfile.is_zipfile(path):
        archive = stack.enter_context(zipfile.ZipFile(path))
        source = ZipSource.open_archive(path, archive)
        if source is None:
            raise _unknown(path, "a zip archive without channels.json")
        return _slack(source, slack_team, problems)
    header = sniff_discord(path)
    if header is None:
        raise _unknown(path, "JSON, but not a DiscordChatExporter export")
    return [Stream(header, path.stat().st_size)]


def _slack(source: FolderSource | ZipSource, team: str,
           problems: list[Problem]) -> list[Stream]:
    return [Stream(channel, channel.size())
            for channel in slack_channels(source, team, problems)]


def merged(streams: list[Stream], problems: list[Problem],
           on_bytes: OnBytes | None = None) -> Iterator[ExportMessage]:
    """Every stream's messages in one sequence, in the order they were sent."""
    return heapq.merge(*(s.messages(problems, on_bytes) for s in streams),
                       key=lambda m: m.scanned.timestamp)


def read_export(path: Path, *, slack_team: str = DEFAULT_SLACK_TEAM) -> list[ExportMessage]:
    """Every message a person wrote in one export, in the order sent, as a list (for
    small exports and tests; the scan streams). Any message lost raises ``ExportError``."""
    problems: list[Problem] = []
    with ExitStack() as stack:
        found = list(merged(open_export(path, stack, problems, slack_team=slack_team),
                            problems))
    lost = [p for p in problems if p.lost]
    if lost:
        raise ExportError(lost[0].describe())
    return found


def _unknown(path: Path, what: str) -> ExportError:
    return ExportError(
        f"'{path}' is not an export I can read ({what}). Give a DiscordChatExporter JSON "
        "file (Export format: JSON), or Slack's export as its .zip or unpacked folder "
        "(with channels.json).")
