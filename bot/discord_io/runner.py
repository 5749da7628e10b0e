"""Starting the Discord front-end, optionally through a REST or gateway proxy.

One process, no leases (the default): one client, as discord.py starts it (one client per
configured shard when ``shard_count`` > 1). With ``shard_leases = true`` each shard's
gateway connection is held by whichever process owns its lease, and the others stand by
(``bot.discord_io.shards``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.discord_io.gateway_state import GatewayState
from bot.discord_io.shards import ShardKeeper, check_layout
from bot.scheduler import worker_name

if TYPE_CHECKING:
    from bot.discord_io.client import CocBot
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
    settings = app.settings.discord
    assert secrets.discord_token is not None and settings is not None
    point_at(secrets.discord_api_base, secrets.discord_gateway_url)
    shards = list(settings.shard_ids if settings.shard_ids is not None
                  else range(settings.shard_count))
    if not settings.shard_leases and settings.shard_count == 1:
        client = CocBot(app, settings)
        async with client:
            await client.start(secrets.discord_token)
        return
    if settings.shard_leases:
        await check_layout(app.services.state, app.services.leases, settings.shard_count,
                           app.clock.now())
    gateways = [GatewayState(app.services.state) for _ in shards]  # one per shard
    clients = [CocBot(app, settings, shard_id=shard, gateway=gateway)
               for shard, gateway in zip(shards, gateways, strict=True)]
    if not any(client.home for client in clients):
        clients[0].registers = True  # notices to Discord still go out from here, by REST
    try:
        # That one first: it registers the platform and syncs the commands.
        for client in sorted(clients, key=lambda c: not c.registers):
            await client.login(secrets.discord_token)
        await asyncio.gather(*(_serve(app, client, gateway, shard) for client, gateway, shard
                               in zip(clients, gateways, shards, strict=True)))
    finally:
        for client in clients:
            await client.close()


async def _serve(app: FrontEndContext, client: CocBot, gateway: GatewayState,
                 shard: int) -> None:
    """Hold the shard's connection: through its lease when leases are on, else always."""
    settings = app.settings.discord
    assert settings is not None
    if not settings.shard_leases:
        await client.connect(reconnect=True)
        return
    await ShardKeeper(client, app.services.leases, gateway, shard, worker_name()).run()
