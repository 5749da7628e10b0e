"""The domain must stay platform-neutral: a test, not a convention."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "aiosqlite", "apscheduler", "aiohttp",
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
