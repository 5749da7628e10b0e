"""Whether a Discord user reads an audience's channel: ``Platform.in_audience`` on Discord.

A Discord account is one user in every server, so the member is looked up in the server
where the channel is (the matter's staff queue, or the home's committee and Executive
channels), fresh from the API: a role given a minute ago counts. They are in the audience
when they hold its seat (the configured staff, committee or Executive role) or when
Discord lets them view the channel (an Administrator, a role with an overwrite on it),
computed by discord.py from the server's roles and the channel's overwrites, as the
client does. A channel @everyone may view is not private at all (the set-up check warns
about it); there the seat alone counts. Anything the bot cannot read raises, so the core
keeps the matter away.
"""

from __future__ import annotations

import discord

from bot.core.errors import PlatformUnavailable
from bot.core.identity import PersonRef, PlatformName
from bot.core.ports import Audience
from bot.discord_io.links import DiscordLinkReader
from config.settings import DiscordSettings


def _where(settings: DiscordSettings, audience: Audience, person: PersonRef,
           space: str | None) -> tuple[int, int, int | None] | None:
    """(guild, channel, seat role) of the audience; None where the bot posts nothing."""
    if audience is Audience.STAFF:
        server = settings.server(space or person.space)
        if server is None:
            return None
        return server.guild_id, server.staff_queue_channel_id, server.staff_role_id
    home = settings.home
    if audience is Audience.COMMITTEE:
        channel, seat = home.committee_channel_id, home.committee_role_id
    else:
        channel, seat = home.executive_channel_id, home.executive_role_id
    return None if channel is None else (home.guild_id, channel, seat)


async def in_audience(client: discord.Client, settings: DiscordSettings,
                      audience: Audience, person: PersonRef, space: str | None) -> bool:
    if person.platform is not PlatformName.DISCORD or not person.id.isdigit():
        return False
    where = _where(settings, audience, person, space)
    if where is None:
        return False
    guild_id, channel_id, seat = where
    guild = client.get_guild(guild_id)
    if guild is None:
        raise PlatformUnavailable(f"The bot cannot see Discord server {guild_id} right now.")
    member = await DiscordLinkReader._member(guild, int(person.id))
    if member is None:
        return False  # not in that server: they cannot read its channels
    if seat is not None and any(role.id == seat for role in member.roles):
        return True
    channel = guild.get_channel(channel_id)
    if channel is None:
        raise PlatformUnavailable(f"The bot cannot see the {audience.value} channel.")
    if channel.permissions_for(guild.default_role).view_channel:
        # Everyone reads it (the set-up check says so at start-up): being able to read it
        # tells nothing about this person, and only the seat says who the audience is;
        # otherwise every report would bypass staff and every appeal the Executive.
        return False
    return channel.permissions_for(member).view_channel
