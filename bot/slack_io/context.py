"""Who is acting on Slack, and the dependencies every listener needs.

Standing comes from the workspace's table in the config (``[slack]`` or its
``[[slack.workspaces]]`` entry): lists of user ids, or user group ids
(``S...``) whose members are read with ``usergroups.users.list`` and cached briefly, so
that adding someone to the staff group in Slack takes effect without a restart.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.automod import AutomodConfig
from bot.core.errors import CocBotError, NotPermitted
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import Actor, Role
from bot.slack_io import refs
from bot.slack_io.errors import slack_call
from config.settings import SlackSettings

if TYPE_CHECKING:
    from bot.frontends import FrontEndContext
    from bot.slack_io.platform import SlackWorkspace

log = logging.getLogger(__name__)
GROUP_TTL_SECONDS = 300.0
DEPS_KEY = "coc"
RECENT_LIMIT = 5000
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


def _is_group(ident: str) -> bool:
    return ident.startswith("S")


async def read_group(client: AsyncWebClient, group: str) -> frozenset[str]:
    """The user group's members as Slack says now; a failure raises (``slack_call``)."""
    async with slack_call("read a user group"):
        response = await client.usergroups_users_list(usergroup=group)
    return frozenset(response.get("users") or [])


@dataclass
class RoleResolver:
    """Maps a Slack user id to the roles the configuration grants it."""

    client: AsyncWebClient
    settings: SlackSettings
    _groups: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)

    def _configured(self) -> dict[Role, tuple[str, ...]]:
        s = self.settings
        return {Role.STAFF: s.staff, Role.COMMITTEE: s.committee, Role.COUNSEL: s.counsel,
                Role.EXECUTIVE: s.executive}

    async def _members(self, group: str) -> frozenset[str]:
        cached = self._groups.get(group)
        if cached is not None and time.monotonic() - cached[0] < GROUP_TTL_SECONDS:
            return cached[1]
        users: frozenset[str] = cached[1] if cached else frozenset()
        try:
            users = await read_group(self.client, group)
        except CocBotError as exc:
            log.warning("user group %s not read (%s); using the last known members", group, exc)
        self._groups[group] = (time.monotonic(), users)
        return users

    async def roles_of(self, user_id: str) -> frozenset[Role]:
        found: set[Role] = set()
        for role, idents in self._configured().items():
            for ident in idents:
                if ident == user_id or (_is_group(ident) and user_id in await self._members(ident)):
                    found.add(role)
                    break
        return frozenset(found)

    async def groups_of(self, user_id: str, groups: Iterable[str]) -> frozenset[str]:
        """Which of ``groups`` (user group ids) the user is in; reads are cached."""
        return frozenset([g for g in groups if user_id in await self._members(g)])


def exempt_groups(config: AutomodConfig) -> frozenset[str]:
    """The Slack user group ids (``S…``) automod's ``exempt_roles`` lists name, anywhere.

    Slack has no roles; a user group is the nearest thing, so ``exempt_roles`` may list
    user group ids. Only these groups are ever looked up for a message's author, so a
    workspace that exempts nobody costs no Web API call per message.
    """
    named = set(config.exempt_roles)
    for rule in config.rules.values():
        named |= rule.exempt_roles
    for profile in config.profiles.values():
        named |= profile.exempt_roles
    return frozenset(n for n in named if _GROUP_ID.match(n))


class Recent:
    """A bounded set of recently seen keys (oldest forgotten first)."""

    def __init__(self, limit: int = RECENT_LIMIT) -> None:
        self._seen: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._limit = limit

    def get(self, key: str) -> tuple[str, ...] | None:
        return self._seen.get(key)

    def put(self, key: str, value: tuple[str, ...] = ()) -> None:
        self._seen[key] = value
        self._seen.move_to_end(key)
        while len(self._seen) > self._limit:
            self._seen.popitem(last=False)

    def first_time(self, key: str) -> bool:
        """True once per key (while it is remembered); records it."""
        if key in self._seen:
            return False
        self.put(key)
        return True


@dataclass
class SlackDeps:
    """Handed to every listener through Bolt's context (``context["coc"]``): those of the
    workspace the request came from (its settings, its token's client, its staff)."""

    app: FrontEndContext
    settings: SlackSettings
    platform: SlackWorkspace
    roles: RoleResolver
    exempt_groups: frozenset[str] = frozenset()
    # the names automod last checked per user (user_change fires for every profile
    # edit); redelivered events never get this far (replay.py drops them)
    names: Recent = field(default_factory=Recent)

    @property
    def team(self) -> str:
        return self.settings.team_id

    def person(self, user_id: str) -> PersonRef:
        return refs.person(self.team, user_id)

    def spaces(self) -> dict[PlatformName, str]:
        """Where a bare typed account id belongs: a Slack one to this workspace."""
        return {**self.app.spaces(), PlatformName.SLACK: self.team}

    async def actor(self, user_id: str, name: str | None = None) -> Actor:
        return Actor(self.person(user_id), await self.roles.roles_of(user_id), name)

    async def staff(self, user_id: str) -> Actor:
        actor = await self.actor(user_id)
        if not actor.is_staff:
            raise NotPermitted("This command is for staff only.")
        return actor


def deps_of(context: Any) -> SlackDeps:
    deps = context[DEPS_KEY]
    assert isinstance(deps, SlackDeps)
    return deps
