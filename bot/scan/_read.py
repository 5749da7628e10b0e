"""Telling export formats apart by their shape, and reading each."""

from __future__ import annotations

import zipfile
from pathlib import Path

from bot.scan._common import DEFAULT_SLACK_TEAM, ExportError, ExportMessage, load_json
from bot.scan._discord import read_discord
from bot.scan._slack import FolderSource, ZipSource, read_slack


def read_export(path: Path, *, slack_team: str = DEFAULT_SLACK_TEAM) -> list[ExportMessage]:
    """Every message a person wrote in one export (file, folder or zip), in any order."""
    if not path.exists():
        raise ExportError(f"'{path}' does not exist.")
    if path.is_dir():
        if (path / "channels.json").is_file():
            return read_slack(FolderSource(path), slack_team)
        # DiscordChatExporter exports a whole server as a folder of one file per channel.
        files = sorted(path.glob("*.json"))
        if not files:
            raise _unknown(path, "a folder without channels.json or .json files")
        return [m for file in files for m in read_export(file, slack_team=slack_team)]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            source = ZipSource.open(path, archive)
            if source is None:
                raise _unknown(path, "a zip archive without channels.json")
            return read_slack(source, slack_team)
    data = load_json(path.read_bytes(), str(path))
    if isinstance(data, dict) and {"guild", "channel", "messages"} <= data.keys():
        return read_discord(data, str(path))
    raise _unknown(path, "JSON, but not a DiscordChatExporter export")


def _unknown(path: Path, what: str) -> ExportError:
    return ExportError(
        f"'{path}' is not an export I can read ({what}). Give a DiscordChatExporter JSON "
        "file (Export format: JSON), or Slack's export as its .zip or unpacked folder "
        "(with channels.json).")
