"""How fast the real discord.py bot answers a message that breaks the Code.

Run: ``.venv/bin/python -m benchmarks.discord_latency`` (``--rate``, ``--seconds``,
``--every`` to change the load). The fake Discord from ``tests/fakes`` pushes
MESSAGE_CREATE events down its gateway at a steady rate; one message in ``--every``
carries a payment card number, which automod removes. For each of those the latency is
the time from the fake sending the event to the bot's DELETE reaching the fake. The fake
and the bot share one process and one event loop, so the numbers include the fake's own
work: a conservative measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bot.app import build_app
from bot.core.clock import FakeClock
from bot.discord_io.client import CocBot
from bot.discord_io.runner import point_at
from config.loader import load_settings
from storage import open_migrated
from tests.fakes.discord.server import FakeDiscord

CONFIG = """
[discord]
guild_id = {guild}
staff_role_id = {role}
committee_role_id = {role}
counsel_role_id = {role}
executive_role_id = {role}
staff_queue_channel_id = {queue}
committee_channel_id = {queue}
executive_channel_id = {queue}
"""


class TimedFake(FakeDiscord):
    """Notes when each DELETE arrives, keyed by message id."""

    def __init__(self) -> None:
        super().__init__()
        self.deleted_at: dict[str, float] = {}

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        if request.method == "DELETE" and "/messages/" in request.path:
            self.deleted_at.setdefault(request.path.rsplit("/", 1)[1], time.perf_counter())
        return await super()._rest(request)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


async def main(rate: int, seconds: float, every: int) -> None:
    fake = TimedFake()
    role = fake.role("Staff")
    general, queue = fake.channel("general"), fake.channel("staff")
    authors = [fake.member(f"member{n}") for n in range(200)]
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "bench.toml"
        config.write_text(CONFIG.format(guild=fake.guild_id, role=role, queue=queue))
        settings = load_settings(config, {"DISCORD_TOKEN": "x",
                                          "DISCORD_API_BASE": fake.api_base,
                                          "DISCORD_GATEWAY_URL": fake.gateway_url})
        app = await build_app(settings, clock=FakeClock(datetime.now(UTC)),
                              storage=await open_migrated("sqlite:///:memory:"))
        point_at(fake.api_base, fake.gateway_url)
        assert settings.discord is not None
        bot = CocBot(app, settings.discord)
        runner = asyncio.create_task(bot.start("x"))
        await asyncio.wait_for(bot.wait_until_ready(), 20)

        total = int(rate * seconds)
        sent_at: dict[str, float] = {}
        started = time.perf_counter()
        for n in range(total):
            due = started + n / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            author = authors[n % len(authors)]
            text = (f"my card is 4111 1111 1111 1111, message {n}" if n % every == 0
                    else f"Has anyone catalogued the new arrivals yet? ({n})")
            message = await fake.say(author, general, text)
            if n % every == 0:
                sent_at[message["id"]] = time.perf_counter()
        achieved = total / (time.perf_counter() - started)
        with contextlib.suppress(AssertionError):
            await fake.wait_for(lambda: len(fake.deleted_at) >= len(sent_at),
                                "removed every message", limit=30)
        latencies = [(fake.deleted_at[m] - t) * 1000 for m, t in sent_at.items()
                     if m in fake.deleted_at]
        await bot.close()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
        await app.close()
        await fake.stop()
    print(f"{total:,} MESSAGE_CREATE events at {achieved:,.0f}/s through the fake gateway; "
          f"{len(sent_at):,} broke the Code")
    print(f"removed {len(latencies):,} of {len(sent_at):,}; MESSAGE_CREATE -> DELETE: "
          f"p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 99):.1f} ms, "
          f"max {max(latencies):.1f} ms")


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=500, help="messages per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--every", type=int, default=10,
                        help="one message in this many breaks the Code")
    args = parser.parse_args()
    asyncio.run(main(args.rate, args.seconds, args.every))
