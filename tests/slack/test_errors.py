"""Slack's failures as the domain's errors: what is retried, and after how long."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse

from bot.core.errors import PlatformError, PlatformForbidden, PlatformUnavailable
from bot.slack_io.errors import translate


def failure(status: int, data: dict[str, Any], headers: dict[str, Any] | None = None,
            ) -> SlackApiError:
    response = SlackResponse(client=None, http_verb="POST", api_url="chat.postMessage",
                             req_args={}, data=data, headers=headers or {},
                             status_code=status)
    return SlackApiError("failed", response)


def test_a_429_is_retried_after_slacks_retry_after() -> None:
    error = translate(failure(429, {"ok": False, "error": "ratelimited"},
                              {"retry-after": "30"}), "post a message")
    assert isinstance(error, PlatformUnavailable) and error.retry_after_seconds == 30


@pytest.mark.parametrize(("status", "data"), [
    (500, {}), (503, {"ok": False, "error": "service_unavailable"}),
    (200, {"ok": False, "error": "internal_error"}),
    (200, {"ok": False, "error": "fatal_error"}),
])
def test_slacks_own_trouble_is_retried_not_given_up(status: int,
                                                    data: dict[str, Any]) -> None:
    error = translate(failure(status, data), "post a message")
    assert isinstance(error, PlatformUnavailable)
    assert error.retry_after_seconds is None, "the post may have happened: no answer says"


def test_a_refusal_stays_a_refusal() -> None:
    assert isinstance(translate(failure(200, {"ok": False, "error": "not_in_channel"}),
                                "post"), PlatformForbidden)
    error = translate(failure(200, {"ok": False, "error": "invalid_blocks"}), "post")
    assert type(error) is PlatformError
