"""Discord command conventions shared by the cogs: who sees a command, and reference
autocomplete.

**Who sees a command.** Discord hides a command from members who lack its
``default_member_permissions`` (per top-level command; a server admin can override it for
roles in *Server Settings › Integrations*). That only tidies the command picker: every
command is still checked at run time by its service, so a member an admin wrongly grants a
command to is still refused.

- :data:`STAFF` commands need *Manage Messages*, a permission moderators hold.
- :data:`BOARD` commands (committee, counsel, Executive Committee) need *Administrator* by
  default (``default_permissions()``, the value ``0``); the admin then grants the
  committee, counsel and executive roles in Integrations (see the README).

**Reference autocomplete.** :func:`references` offers the open or recent references the
person may act on, from :class:`~bot.core.services.ReferenceService`: the callback only
passes the actor, so no role logic lives here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bot.core.errors import CocBotError
from bot.core.services import RefKind
from bot.discord_io.context import actor_of, app_of

log = logging.getLogger(__name__)

STAFF = discord.Permissions(manage_messages=True)
"""Default visibility of staff commands: members who can manage messages (moderators)."""
BOARD = discord.Permissions.none()
"""Default visibility of committee, counsel and Executive commands: administrators, until
an admin grants the roles in Server Settings › Integrations."""

Autocomplete = Callable[[discord.Interaction[Any], str],
                        Coroutine[Any, Any, list[app_commands.Choice[str]]]]


def references(kind: RefKind) -> Autocomplete:
    """An autocomplete callback offering references of ``kind`` to the person typing."""
    async def complete(interaction: discord.Interaction[Any],
                       current: str) -> list[app_commands.Choice[str]]:
        services = app_of(interaction).services
        try:
            found = await services.references.suggest(actor_of(interaction), kind, current)
        except CocBotError as exc:  # a suggestion list is optional: never fail the typing
            log.warning("no %s suggestions: %s", kind.value, exc)
            return []
        return [app_commands.Choice(name=s.label[:100], value=s.value) for s in found]
    complete.__name__ = f"complete_{kind.value}"
    return complete
