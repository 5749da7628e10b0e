"""A Bolt middleware that acts on each Slack request once: replays and retries are acked.

What identifies a request, best first:

- an Events API delivery: its ``event_id`` (Slack's retries, marked ``X-Slack-Retry-Num``,
  carry the same one, over HTTP and Socket Mode alike);
- a slash command, shortcut, button or form submission: its ``trigger_id``, unique per
  interaction;
- otherwise the Socket Mode ``envelope_id``, or over HTTP the signature and timestamp,
  which are unique per delivery of a signed body.

The middleware runs after Bolt has verified the signature (a forged request never gets
as far as claiming anything) and before any listener, and claims the identity through
``RequestLedger`` in the database, so it holds across processes and restarts. A repeat
is answered 200 with an empty body: Slack stops retrying, and nothing is done again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from time import time
from typing import Any

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import build_headers
from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.core.services.requests import RequestLedger

log = logging.getLogger(__name__)
ENVELOPE_HEADER = "x-coc-bot-envelope-id"
"""Where the Socket Mode handler below hands a request's envelope id to the middleware."""
Middleware = Callable[..., Awaitable[Any]]


def _header(req: AsyncBoltRequest, name: str) -> str | None:
    values = req.headers.get(name) or []
    return str(values[0]) if values else None


def request_identity(req: AsyncBoltRequest, body: dict[str, Any]) -> str | None:
    """What identifies this request (``kind:value``), or None when nothing does."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    envelope = _header(req, ENVELOPE_HEADER)
    if envelope:
        return f"envelope:{envelope}"
    signature = _header(req, "x-slack-signature")
    timestamp = _header(req, "x-slack-request-timestamp")
    if signature and timestamp:
        digest = hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()
        return f"signature:{digest}"
    return None


def once_per_request(ledger: RequestLedger) -> Middleware:
    """A Bolt middleware: the first delivery of a request runs, every repeat is acked.
    Identities are kept per workspace (only configured ones get this far)."""
    async def check(req: AsyncBoltRequest, context: AsyncBoltContext, body: dict[str, Any],
                    next: Callable[[], Awaitable[Any]]) -> Any:
        identity = request_identity(req, body)
        if identity is None:
            log.warning("slack: a %s request carries no identity; it cannot be deduplicated",
                        body.get("type") or "typeless")
            return await next()
        if await ledger.first_time(f"slack:{context.team_id}:{identity}"):
            return await next()
        log.info("slack: ignored a repeated request (%s, retry %s)", identity.split(":")[0],
                 _header(req, "x-slack-retry-num") or "none")
        return BoltResponse(status=200, body="")
    return check


class EnvelopeSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, also passing each envelope's id to the middleware.

    Bolt builds its request from the envelope's payload and retry fields only; the
    envelope id is the fallback identity of a payload that carries no event or trigger id.
    """

    async def handle(self, client: AsyncBaseSocketModeClient,
                     req: SocketModeRequest) -> None:
        start = time()
        headers: dict[str, Any] = dict(build_headers(req) or {})
        headers[ENVELOPE_HEADER] = req.envelope_id
        bolt_req = AsyncBoltRequest(mode="socket_mode", body=req.payload, headers=headers)
        bolt_resp: BoltResponse = await self.app.async_dispatch(bolt_req)
        await send_async_response(client, req, bolt_resp, start)
