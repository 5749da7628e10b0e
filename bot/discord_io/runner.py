"""Starting the Discord front-end, optionally through a REST or gateway proxy."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
import yarl
from discord.gateway import DiscordWebSocket

if TYPE_CHECKING:
    from bot.frontends import FrontEndContext

log = logging.getLogger(__name__)


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Send REST calls to ``DISCORD_API_BASE`` and the gateway to ``DISCORD_GATEWAY_URL``."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


async def run_discord(app: FrontEndContext) -> None:
    from bot.discord_io.client import CocBot

    secrets = app.settings.secrets
    assert secrets.discord_token is not None and app.settings.discord is not None
    point_at(secrets.discord_api_base, secrets.discord_gateway_url)
    client = CocBot(app, app.settings.discord)
    async with client:
        await client.start(secrets.discord_token)
