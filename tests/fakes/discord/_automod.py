"""Discord AutoMod in the fake: the rules' REST endpoints with Discord's limits, keyword
matching as Discord documents it, and AUTO_MODERATION_ACTION_EXECUTION events.

Limits (developer docs, Auto Moderation): 6 keyword rules per server; per rule 1,000
keywords of at most 60 characters, 10 regex patterns of at most 260, an allow-list of 100
of at most 60; a custom message of at most 150 characters; a timeout of at most 28 days.
A request over a limit is refused with 400 (code 50035) as Discord does, and a bot
without Manage Server gets 403 (code 50013).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
KEYWORD = 1
LIMITS = {"rules": 6, "keyword_filter": (1000, 60), "regex_patterns": (10, 260),
          "allow_list": (100, 60)}
MAX_TIMEOUT = 2_419_200


def _invalid(message: str) -> tuple[int, JSON]:
    return 400, {"message": "Invalid Form Body", "code": 50035,
                 "errors": {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}}


@dataclass
class FakeAutoMod:
    """The guild's AutoMod rules; the server routes ``/guilds/{id}/auto-moderation``."""

    guild_id: int
    bot_id: int
    snowflake: Callable[[], int]
    bot_permissions: Callable[[], int]
    rules: dict[int, JSON] = field(default_factory=dict)

    def hand_made(self, name: str, keywords: list[str], creator: int) -> JSON:
        """A rule staff made in Discord's settings, by hand (within the same limit)."""
        assert sum(1 for r in self.rules.values() if r["trigger_type"] == KEYWORD) \
            < LIMITS["rules"], "Discord would not let staff make a 7th keyword rule"
        rule_id = self.snowflake()
        self.rules[rule_id] = self._rule(rule_id, creator, {
            "name": name, "event_type": 1, "trigger_type": KEYWORD,
            "trigger_metadata": {"keyword_filter": keywords}, "enabled": True,
            "actions": [{"type": 1, "metadata": {}}]})
        return self.rules[rule_id]

    def route(self, method: str, parts: list[str], body: JSON) -> tuple[int, Any]:
        perms = self.bot_permissions()
        if not perms & (MANAGE_GUILD | ADMINISTRATOR):
            return 403, {"message": "Missing Permissions", "code": 50013}
        match method, parts:
            case "GET", []:
                return 200, list(self.rules.values())
            case "POST", []:
                return self._create(body)
            case "GET", [rule]:
                found = self.rules.get(int(rule))
                return (200, found) if found else (404, {"message": "Unknown Auto "
                                                         "Moderation Rule", "code": 10066})
            case "PATCH", [rule]:
                return self._edit(int(rule), body)
            case "DELETE", [rule]:
                gone = self.rules.pop(int(rule), None)
                return (204, None) if gone else (404, {"message": "Unknown Auto Moderation "
                                                       "Rule", "code": 10066})
        return 404, {"message": f"fake AutoMod has no route {method} {parts}", "code": 0}

    def _create(self, body: JSON) -> tuple[int, Any]:
        if not body.get("name") or body.get("trigger_type") is None:
            return _invalid("name and trigger_type are required")
        keyword_rules = sum(1 for r in self.rules.values() if r["trigger_type"] == KEYWORD)
        if body["trigger_type"] == KEYWORD and keyword_rules >= LIMITS["rules"]:
            return 400, {"message": "Maximum number of rules with this trigger type reached "
                                    "(6)", "code": 30035}
        problem = _check(body)
        if problem:
            return _invalid(problem)
        rule_id = self.snowflake()
        self.rules[rule_id] = self._rule(rule_id, self.bot_id, body)
        return 200, self.rules[rule_id]

    def _edit(self, rule_id: int, body: JSON) -> tuple[int, Any]:
        rule = self.rules.get(rule_id)
        if rule is None:
            return 404, {"message": "Unknown Auto Moderation Rule", "code": 10066}
        merged = {**rule, **{k: v for k, v in body.items() if v is not None}}
        problem = _check(merged)
        if problem:
            return _invalid(problem)
        self.rules[rule_id] = self._rule(rule_id, int(rule["creator_id"]), merged)
        return 200, self.rules[rule_id]

    def _rule(self, rule_id: int, creator: int, body: JSON) -> JSON:
        meta = body.get("trigger_metadata") or {}
        return {"id": str(rule_id), "guild_id": str(self.guild_id), "name": body["name"],
                "creator_id": str(creator), "event_type": body.get("event_type", 1),
                "trigger_type": body["trigger_type"],
                "trigger_metadata": {"keyword_filter": list(meta.get("keyword_filter", [])),
                                     "regex_patterns": list(meta.get("regex_patterns", [])),
                                     "allow_list": list(meta.get("allow_list", []))},
                "actions": list(body.get("actions", [])),
                "enabled": bool(body.get("enabled", False)),
                "exempt_roles": [str(r) for r in body.get("exempt_roles", [])],
                "exempt_channels": [str(c) for c in body.get("exempt_channels", [])]}

    # ----- what a member's message meets -------------------------------------------------

    def blocking(self, content: str, author_roles: list[int]) -> list[tuple[JSON, str, str]]:
        """Each enabled rule ``content`` breaks, with the keyword and the matched text."""
        found = []
        for rule in self.rules.values():
            if not rule["enabled"] or rule["trigger_type"] != KEYWORD \
                    or {str(r) for r in author_roles} & set(rule["exempt_roles"]):
                continue
            hit = _match(content, rule["trigger_metadata"])
            if hit is not None:
                found.append((rule, *hit))
        return found

    def executions(self, rule: JSON, user: int, channel: int, content: str, keyword: str,
                   matched: str) -> list[JSON]:
        """One AUTO_MODERATION_ACTION_EXECUTION per action of ``rule``, as Discord sends."""
        return [{"guild_id": str(self.guild_id), "action": action, "rule_id": rule["id"],
                 "rule_trigger_type": rule["trigger_type"], "user_id": str(user),
                 "channel_id": str(channel), "content": content, "matched_keyword": keyword,
                 "matched_content": matched} for action in rule["actions"]]


def _check(body: JSON) -> str | None:
    meta = body.get("trigger_metadata") or {}
    for name in ("keyword_filter", "regex_patterns", "allow_list"):
        most, longest = LIMITS[name]  # type: ignore[misc]
        values = meta.get(name) or []
        if len(values) > most:
            return f"trigger_metadata.{name}: at most {most} entries"
        if any(len(v) > longest for v in values):
            return f"trigger_metadata.{name}: entries of at most {longest} characters"
    if len(body.get("name", "")) > 100:
        return "name: at most 100 characters"
    for action in body.get("actions", []):
        meta = action.get("metadata") or {}
        if len(meta.get("custom_message") or "") > 150:
            return "actions.metadata.custom_message: at most 150 characters"
        if int(meta.get("duration_seconds") or 0) > MAX_TIMEOUT:
            return "actions.metadata.duration_seconds: at most 2419200"
    return None


def _pattern(keyword: str) -> re.Pattern[str]:
    """Discord's keyword syntax: whole word, ``word*`` prefix, ``*word`` suffix, ``*word*``
    anywhere; case-insensitive."""
    left, right = keyword.startswith("*"), keyword.endswith("*") and len(keyword) > 1
    core = re.escape(keyword.strip("*"))
    return re.compile(("" if left else r"(?<!\w)") + core + ("" if right else r"(?!\w)"),
                      re.IGNORECASE)


def _match(content: str, meta: JSON) -> tuple[str, str] | None:
    allowed = [(m.start(), m.end()) for phrase in meta.get("allow_list", [])
               for m in _pattern(phrase).finditer(content)]
    for keyword in meta.get("keyword_filter", []):
        for found in _pattern(keyword).finditer(content):
            if not any(a <= found.start() and found.end() <= b for a, b in allowed):
                return keyword, found.group(0)
    for regex in meta.get("regex_patterns", []):
        hit = re.search(regex, content, re.IGNORECASE)
        if hit:
            return regex, hit.group(0)
    return None
