"""Who is acting, from a Discord interaction: the person and their standing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

import discord

from bot.core.errors import NotPermitted
from bot.core.identity import PersonRef
from bot.core.models import Actor, Role
from bot.discord_io import refs
from config.settings import DiscordSettings

if TYPE_CHECKING:
    from bot.frontends import FrontEndContext


class HasApp(Protocol):
    app: FrontEndContext
    settings: DiscordSettings


def app_of(interaction: discord.Interaction) -> FrontEndContext:
    return cast(HasApp, interaction.client).app


def settings_of(interaction: discord.Interaction) -> DiscordSettings:
    """The settings of the server the interaction happened in (its staff role, queue,
    suspended role); in a DM, the first server's. A server not in the config is refused,
    so nobody there acts with another server's standing."""
    settings = cast(HasApp, interaction.client).settings
    if interaction.guild_id is None:
        return settings
    server = settings.server(interaction.guild_id)
    if server is None:
        raise NotPermitted("The bot does not serve this server.")
    return server


def roles_for(member: discord.abc.User | discord.Member, settings: DiscordSettings
              ) -> frozenset[Role]:
    if not isinstance(member, discord.Member):
        return frozenset()
    return seats_of({role.id for role in member.roles}, settings)


def seats_of(role_ids: set[int], settings: DiscordSettings) -> frozenset[Role]:
    """The seats a member's Discord roles give. Pairs, not a dict keyed by role id: an
    operator may give one role several seats (a small community's admins), and each seat
    it is named for counts (with a dict only the last one did)."""
    seats = ((settings.staff_role_id, Role.STAFF), (settings.committee_role_id, Role.COMMITTEE),
             (settings.counsel_role_id, Role.COUNSEL),
             (settings.executive_role_id, Role.EXECUTIVE))
    return frozenset(role for role_id, role in seats
                     if role_id is not None and role_id in role_ids)


def actor_of(interaction: discord.Interaction) -> Actor:
    settings = settings_of(interaction)
    return Actor(refs.person(settings.guild_id, interaction.user),
                 roles_for(interaction.user, settings), interaction.user.display_name)


def person_of(interaction: discord.Interaction, user: discord.abc.Snowflake) -> PersonRef:
    return refs.person(settings_of(interaction).guild_id, user)


def require_staff(interaction: discord.Interaction) -> Actor:
    actor = actor_of(interaction)
    if not actor.is_staff:
        raise NotPermitted("This command is for staff only.")
    return actor


def standing_of(member: discord.abc.User | discord.Member, settings: DiscordSettings,
                bot_member: discord.Member | None) -> frozenset[Role]:
    """Roles that make acting on ``member`` need confirmation; above the bot is refused."""
    if isinstance(member, discord.Member) and bot_member is not None \
            and member.top_role >= bot_member.top_role:
        raise NotPermitted(f"{member.display_name} is at or above the bot's role; Discord will "
                           "not let me act on them. A server admin must handle this.")
    return roles_for(member, settings)


def standing_of_id(interaction: discord.Interaction, user_id: int) -> frozenset[Role]:
    """The protected roles of a server member we only know by id (a message's author);
    someone at or above the bot's role is refused, as for a suspension."""
    guild = interaction.guild
    member = guild.get_member(user_id) if guild is not None else None
    if member is None:
        return frozenset()  # not (or no longer) in the server: nobody to protect
    return standing_of(member, settings_of(interaction), guild.me if guild else None)
