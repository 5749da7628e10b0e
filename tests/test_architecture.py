"""The domain must stay platform-neutral: a test, not a convention."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "aiosqlite", "apscheduler", "aiohttp",
             "prometheus_client",
             "storage", "config", "cogs")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


CORE_FILES = sorted((ROOT / "bot" / "core").rglob("*.py"))


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_imports_no_platform_or_infrastructure(path: Path) -> None:
    bad = _imports(path) & set(FORBIDDEN)
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_check_itself_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import discord\nfrom slack_bolt import App\nfrom bot.core import x\n")
    assert _imports(sample) & set(FORBIDDEN) == {"discord", "slack_bolt"}


def test_core_files_exist() -> None:
    assert len(CORE_FILES) > 20


def _modules(path: Path) -> set[str]:
    """Every module a file imports, whole (``bot.app``, not ``bot``), top-level or not."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


FRONT_END_FILES = sorted([*(ROOT / "bot" / "discord_io").rglob("*.py"),
                          *(ROOT / "bot" / "slack_io").rglob("*.py"),
                          *(ROOT / "cogs").rglob("*.py")])


@pytest.mark.parametrize("path", FRONT_END_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_front_ends_get_the_small_context_not_the_app(path: Path) -> None:
    """Front-ends type against ``bot.frontends.FrontEndContext``; importing the composition
    root would give them everything and tie the two into an import cycle."""
    assert "bot.app" not in _modules(path), f"{path.relative_to(ROOT)} imports bot.app"


@pytest.mark.parametrize("name", ["bot/app.py", "bot/cli.py"])
def test_the_composition_root_names_no_platform(name: str) -> None:
    """Which front-ends exist is the registry's business (``bot/frontends.py``): adding a
    platform is its folder plus one entry there, not an edit of the app or the CLI."""
    source = (ROOT / name).read_text(encoding="utf-8")
    for word in ("discord_io", "slack_io", "DISCORD_TOKEN", "SLACK_BOT_TOKEN"):
        assert word not in source, f"{name} names {word}; go through bot.frontends"
