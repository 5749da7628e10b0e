"""The participant, committee, counsel and Executive front-ends only translate: they check
no role (the services do, so neither platform can forget one) and write no reply of their
own (every reply comes from the templates, the same on both platforms)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FRONT_ENDS = [ROOT / p for p in (
    "cogs/discord/committee.py", "cogs/discord/appeals.py", "cogs/discord/code_of_conduct.py",
    "cogs/discord/reports.py",
    "cogs/slack/committee.py", "cogs/slack/participants.py",
    "cogs/slack/reports.py")]
# A role check: the Role enum, an actor's standing, the front-ends' old staff-only guards.
ROLE_NAMES = frozenset({"Role", "is_staff", "require_staff", "staff", "has", "require"})
# Calls that put text in front of a person, or errors whose message a person reads.
SPEAKING = frozenset({"reply", "answer", "ephemeral", "send_message", "send", "InvalidInput",
                      "NotPermitted", "NotFound", "InvalidState", "Notice"})


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def offences(source: str) -> list[str]:
    """Role checks and reply text written in ``source``, as ``line: what``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name | ast.Attribute) and _name(node) in ROLE_NAMES:
            found.append(f"{node.lineno}: role check ({_name(node)})")
        if isinstance(node, ast.Call) and _name(node.func) in SPEAKING:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.JoinedStr) or (
                        isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                        and " " in arg.value):
                    found.append(f"{node.lineno}: text written in {_name(node.func)}()")
    return found


@pytest.mark.parametrize("path", FRONT_ENDS, ids=lambda p: str(p.relative_to(ROOT)))
def test_front_ends_check_no_role_and_write_no_reply(path: Path) -> None:
    assert offences(path.read_text(encoding="utf-8")) == []


def test_the_check_itself_catches_both() -> None:
    sample = '''
async def publish(interaction, deps, user):
    actor = require_staff(interaction)
    if not actor.is_staff or Role.STAFF not in actor.roles:
        raise NotPermitted("This command is for staff only.")
    await answer(interaction, f"Published {version.id}.")
    await reply("Thank you for accepting the Code.")
    await reply(outcome.text)
'''
    assert sorted(offences(sample)) == [
        "3: role check (require_staff)", "4: role check (Role)", "4: role check (is_staff)",
        "5: text written in NotPermitted()", "6: text written in answer()",
        "7: text written in reply()"]
