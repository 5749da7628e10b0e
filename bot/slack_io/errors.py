"""Translating Slack Web API failures into the domain's errors, with actionable messages.

Slack answers HTTP 200 with ``{"ok": false, "error": "<code>"}``; slack_sdk raises
``SlackApiError`` carrying that code. The codes that mean "already done" (the message is
gone, the person already left or rejoined) are the caller's to tolerate via ``ok``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.errors import (
    DeliveryFailed,
    PlatformError,
    PlatformForbidden,
    PlatformUnavailable,
)

# A direct message cannot reach this person (deactivated, a bot, DMs restricted).
UNREACHABLE = frozenset({"user_disabled", "user_not_found", "cannot_dm_bot",
                         "messages_tab_disabled", "user_not_visible", "is_archived"})
FORBIDDEN = frozenset({"missing_scope", "not_allowed_token_type", "restricted_action",
                       "cant_kick_self", "cant_kick_from_general", "cant_delete_message",
                       "not_authed", "invalid_auth", "account_inactive", "channel_not_found",
                       "method_not_allowed_for_channel_type", "ekm_access_denied",
                       "not_in_channel", "cant_invite"})
# Slack's own trouble (its documented codes for it, and any HTTP 5xx): retried later.
TROUBLE = frozenset({"internal_error", "fatal_error", "service_unavailable",
                     "request_timeout"})


def error_code(exc: SlackApiError) -> str:
    data = exc.response.data if exc.response is not None else {}
    return str(data.get("error", "unknown_error")) if isinstance(data, dict) else "unknown_error"


def translate(exc: Exception, doing: str) -> PlatformError:
    if isinstance(exc, SlackApiError):
        code = error_code(exc)
        if code in UNREACHABLE:
            return DeliveryFailed(f"Slack would not deliver a direct message ({code}).")
        if code in FORBIDDEN:
            return PlatformForbidden(
                f"Slack refused to let me {doing} ({code}). Check that the bot is in the "
                "channel and has the scopes in slack-manifest.yml.")
        status = exc.response.status_code if exc.response is not None else 200
        if code == "ratelimited" or status == 429:
            return PlatformUnavailable(f"Slack is rate-limiting me, so I could not {doing}; "
                                       "please try again in a minute.", _retry_after(exc))
        if code in TROUBLE or status >= 500:
            return PlatformUnavailable(f"Slack is having trouble ({code}, HTTP {status}), so "
                                       f"I could not {doing}; please try again shortly.")
        return PlatformError(f"Slack refused when I tried to {doing} ({code}).")
    return PlatformUnavailable(f"Slack is not reachable right now, so I could not {doing}.")


def _retry_after(exc: SlackApiError) -> float:
    """Slack's ``Retry-After`` (seconds), or a minute when it did not say."""
    headers = exc.response.headers if exc.response is not None else {}
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(str(raw)))
            except ValueError:
                break
    return 60.0


@asynccontextmanager
async def slack_call(doing: str, *, ok: Iterable[str] = ()) -> AsyncIterator[None]:
    """Run Web API calls; error codes listed in ``ok`` count as success (already done)."""
    accepted = frozenset(ok)
    try:
        yield
    except SlackApiError as exc:
        if error_code(exc) not in accepted:
            raise translate(exc, doing) from exc
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
        raise translate(exc, doing) from exc
