"""After Discord connects: do the configured server, roles and channels exist, and can the
bot see and post where it must? Each problem is logged once per start, with the fix.

Read from discord.py's guild cache (filled by the gateway at READY), so it costs no call.
"""

from __future__ import annotations

import discord

from config.settings import DiscordSettings

ROLES = ("staff_role_id", "committee_role_id", "counsel_role_id", "executive_role_id",
         "suspended_role_id")
CHANNELS = ("staff_queue_channel_id", "committee_channel_id", "executive_channel_id")
NEEDED = discord.Permissions(view_channel=True, send_messages=True, embed_links=True,
                             read_message_history=True)
THREADS = discord.Permissions(create_private_threads=True, send_messages_in_threads=True,
                              manage_threads=True)


def problems(guild: discord.Guild | None, settings: DiscordSettings) -> list[str]:
    """Every set-up problem found, each a sentence an operator can act on."""
    if guild is None:
        return [f"[discord] guild_id = {settings.guild_id}: the bot is not in that server. "
                "Invite it with the URL in the README, or correct guild_id."]
    found = [_role_problem(guild, key, getattr(settings, key)) for key in ROLES]
    found += [_channel_problem(guild, key, getattr(settings, key)) for key in CHANNELS]
    found += _native_automod_problems(guild, settings)
    return [problem for problem in found if problem]


def _native_automod_problems(guild: discord.Guild, settings: DiscordSettings
                             ) -> list[str | None]:
    """Discord AutoMod rules need Manage Server (and Timeout Members for a timeout);
    without them nothing breaks: the bot's own automod keeps covering the lists."""
    native = settings.native_automod
    if not native.enabled:
        return []
    granted = guild.me.guild_permissions
    found: list[str | None] = []
    if not granted.manage_guild:
        found.append("[discord.native_automod] is enabled but the bot lacks Manage Server, "
                     "which Discord AutoMod rules need. Grant it to the bot's role; until "
                     "then the bot's own automod covers those lists.")
    elif native.timeout is not None and not granted.moderate_members:
        found.append("[discord.native_automod] timeout is set but the bot lacks Timeout "
                     "Members; the rules block without a timeout. Grant it to the bot's "
                     "role.")
    if native.alert_channel_id is not None:
        found.append(_channel_problem(guild, "native_automod.alert_channel_id",
                                      native.alert_channel_id))
    return found


def _role_problem(guild: discord.Guild, key: str, role_id: int | None) -> str | None:
    if role_id is None:
        return None
    role = guild.get_role(role_id)
    if role is None:
        return f"[discord] {key} = {role_id}: no such role in {guild.name}."
    if key == "suspended_role_id" and role >= guild.me.top_role:
        return (f"[discord] {key}: the role {role.name} is at or above the bot's own role, so "
                "the bot cannot give or take it. Drag the bot's role above it.")
    return None


def _channel_problem(guild: discord.Guild, key: str, channel_id: int | None) -> str | None:
    if channel_id is None:
        return None
    channel = guild.get_channel(channel_id)
    if channel is None:
        return (f"[discord] {key} = {channel_id}: no such channel in {guild.name}, or the bot "
                "cannot see it.")
    wanted = NEEDED | THREADS if key == "committee_channel_id" else NEEDED
    granted = channel.permissions_for(guild.me)
    missing = [name for name, on in wanted if on and not getattr(granted, name)]
    if missing:
        return (f"[discord] {key}: in #{channel.name} the bot lacks "
                f"{', '.join(name.replace('_', ' ') for name in missing)}. Allow them for the "
                "bot's role in the channel's permissions.")
    if key in CHANNELS and channel.permissions_for(guild.default_role).view_channel:
        return (f"[discord] {key}: every member of {guild.name} can read #{channel.name} "
                "(@everyone may view it), so reports, names and what reporters wrote are "
                "shown to all. Deny View Channel to @everyone there and allow it to the "
                "role that should read it.")
    return None
