"""The manifest an admin pastes must list every command, shortcut and event the bot handles."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGISTERED = re.compile(r'bolt\.(command|shortcut|event)\("([^"]+)"\)')


def test_manifest_lists_everything_the_listeners_register() -> None:
    manifest = (ROOT / "slack-manifest.yml").read_text(encoding="utf-8")
    found = []
    for path in (ROOT / "bot" / "slack_io" / "listeners").glob("*.py"):
        found += REGISTERED.findall(path.read_text(encoding="utf-8"))
    assert len(found) >= 18
    for kind, name in found:
        expected = {"command": f"- command: {name}", "shortcut": f"callback_id: {name}",
                    "event": f"- {name}"}[kind]
        assert expected in manifest, f"{kind} {name} missing from slack-manifest.yml"
    assert "socket_mode_enabled: true" in manifest
