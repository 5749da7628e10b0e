"""Slack rate limits: a 429 with ``Retry-After`` is waited out and the call retried."""

from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import Report
from tests.slack.conftest import QUEUE, REPORTER, SUBJECT, SlackWorld


async def test_a_rate_limited_queue_post_is_retried_and_succeeds(world: SlackWorld) -> None:
    world.fake.rate_limit_next("chat.postMessage", retry_after=1)  # the one real wait
    await world.command("/report", f"<@{SUBJECT}> kept insulting me", user=REPORTER)
    posts = world.fake.called("chat.postMessage", channel=QUEUE)
    assert [p.status for p in posts] == [429, 200]
    assert posts[0].params == posts[1].params  # the same call, sent again
    assert sum(1 for (channel, _) in world.fake.messages if channel == QUEUE) == 1
    assert "R-" in world.fake.responses()[-1]
    async with world.app.storage.transaction() as tx:
        assert await tx.count(Report) == 1


def _retries(client: AsyncWebClient | None) -> set[type]:
    assert client is not None
    return {type(h) for h in client.retry_handlers}


async def test_every_web_client_retries_rate_limits_and_dropped_connections(
        world: SlackWorld) -> None:
    wanted = {AsyncRateLimitErrorRetryHandler, AsyncConnectionErrorRetryHandler}
    front = world.front
    # Bolt's own (Socket Mode's, and the model of the client Bolt builds per request with
    # the workspace's token) and every workspace's
    assert _retries(front.bolt.client) >= wanted
    assert _retries(front.platform.client) >= wanted
    assert _retries(front.platform.admin_client) >= wanted
    assert front.platform.admin_client.token == "xoxp-admin"  # type: ignore[union-attr]
    assert _retries(front.deps.roles.client) >= wanted
