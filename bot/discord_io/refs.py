"""Mapping Discord objects and links to the domain's platform-qualified references."""

from __future__ import annotations

import re

import discord

from bot.core.errors import InvalidInput
from bot.core.identity import MessageRef, PersonRef, PlaceRef, PlatformName

D = PlatformName.DISCORD
_LINK = re.compile(r"https?://(?:www\.|ptb\.|canary\.)?discord(?:app)?\.com/channels/"
                   r"(?P<guild>\d+)/(?P<channel>\d+)/(?P<message>\d+)")


def person(guild_id: int, user: discord.abc.Snowflake) -> PersonRef:
    return PersonRef(D, str(guild_id), str(user.id))


def place(guild_id: int, channel_id: int) -> PlaceRef:
    return PlaceRef(D, str(guild_id), str(channel_id))


def message_ref(guild_id: int, channel_id: int, message_id: int) -> MessageRef:
    return MessageRef(D, str(guild_id), str(channel_id), str(message_id))


def parse_message_link(link: str, guild_id: int) -> MessageRef:
    match = _LINK.search(link.strip())
    if match is None:
        raise InvalidInput("That is not a Discord message link. Right-click the message, "
                           "choose \"Copy Message Link\" and paste it here.")
    if int(match["guild"]) != guild_id:
        raise InvalidInput("That message is in another server; I can only act in this one.")
    return message_ref(guild_id, int(match["channel"]), int(match["message"]))


def message_link(ref: MessageRef) -> str:
    return f"https://discord.com/channels/{ref.space}/{ref.channel}/{ref.id}"
