"""Scanners over everything the bot sent to a fake platform.

Each returns a list of problems (empty when all is well), so a test can show every leak at
once. What counts as a leak:

- a live group ping or control sequence: ``<!channel>``, ``<!here>``, ``<!everyone>``,
  ``<!subteam^``, ``@everyone``, ``@here`` written as they are (neutralised text has a
  zero-width joiner after ``<`` / ``@``, or ``&lt;`` on Slack);
- any of the test's ``secrets`` (raw e-mail addresses, phone numbers, hostile mentions of
  people who are not part of the matter) anywhere in a payload;
- on Discord, a message created or edited without ``allowed_mentions`` set to parse
  nothing, including DMs, thread posts, edits, interaction responses and follow-ups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from tests.fakes.discord.server import FakeDiscord
from tests.fakes.slack import FakeSlack

LIVE_PINGS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam^", "@everyone", "@here")
# Slack calls that put text in front of someone (the others read, kick, react...).
SLACK_WRITES = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update",
                          "response_url", "views.open"})


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value (texts, block texts, labels, options)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def _text_problems(where: str, texts: Iterable[str], secrets: Iterable[str],
                   allow: Iterable[str]) -> list[str]:
    problems = []
    allowed = tuple(allow)
    secret_list = [s for s in secrets if s]
    for text in texts:
        checked = text
        for ok in allowed:
            checked = checked.replace(ok, "")
        for ping in LIVE_PINGS:
            if ping in checked:
                problems.append(f"{where}: live {ping!r} in {text[:200]!r}")
        for secret in secret_list:
            if secret in text:
                problems.append(f"{where}: {secret!r} in {text[:200]!r}")
    return problems


def scan_slack(fake: FakeSlack, secrets: Iterable[str] = (),
               allow: Iterable[str] = ()) -> list[str]:
    """Every text the bot posted, updated, answered ephemerally or showed in a form."""
    secret_list = list(secrets)
    problems: list[str] = []
    for call in fake.calls:
        if call.method in SLACK_WRITES:
            problems += _text_problems(f"{call.method} {call.get('channel', '')}",
                                       strings(call.params), secret_list, allow)
    return problems


def _creates_content(method: str, path: str, body: Any) -> bool:
    if not isinstance(body, dict):
        return False
    if "/callback" in path:  # interaction response: type 4/7 carry a message
        return body.get("type") in (4, 7)
    if method == "POST" and (path.endswith("/messages") or path.startswith("/webhooks/")):
        return True
    return method == "PATCH" and "/messages/" in path


def _mentions_problem(where: str, body: dict[str, Any],
                      allowed_roles: frozenset[str]) -> str | None:
    data = body.get("data", body) if "type" in body and "data" in body else body
    mentions = data.get("allowed_mentions")
    if mentions is None:
        return f"{where}: no allowed_mentions (the platform default would ping)"
    if mentions.get("parse"):
        return f"{where}: allowed_mentions parses {mentions['parse']}"
    if mentions.get("users"):
        return f"{where}: allowed_mentions lets users be pinged: {mentions['users']}"
    roles = {str(role) for role in mentions.get("roles") or ()}
    if roles - allowed_roles:
        return f"{where}: allowed_mentions lets roles be pinged: {sorted(roles)}"
    if mentions.get("replied_user"):
        return f"{where}: allowed_mentions pings the replied-to user"
    return None


def scan_discord(fake: FakeDiscord, secrets: Iterable[str] = (), allow: Iterable[str] = (),
                 allowed_roles: Iterable[str] = ()) -> list[str]:
    """Every message, DM, thread post, edit, interaction response and follow-up.

    ``allowed_roles``: role ids a message may ping on purpose (the committee role in an
    emergency); nothing else may be pinged.
    """
    roles = frozenset(str(r) for r in allowed_roles)
    secret_list = list(secrets)
    problems: list[str] = []
    for call in fake.calls:
        where = f"{call.method} {call.path}"
        if call.reason:  # the audit-log reason is shown to server admins
            problems += _text_problems(f"{where} (audit reason)", [call.reason], secret_list,
                                       allow)
        if not call.body:
            continue
        problems += _text_problems(where, strings(call.body), secret_list, allow)
        if _creates_content(call.method, call.path, call.body):
            problem = _mentions_problem(where, call.body, roles)
            if problem:
                problems.append(problem)
    return problems
