"""Small helpers for the Slack end-to-end tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.fakes.slack import Call, FakeSlack
from tests.waiting import DEADLINE


def link(channel: str, ts: str) -> str:
    return f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"


async def eventually(check: Callable[[], bool], within: float = DEADLINE) -> None:
    """Wait for work Bolt does after the ack (HTTP mode answers Slack first). The bound is
    generous: CI machines are shared, and a met condition returns at once."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def seen_by_subject_or_public(fake: FakeSlack, subject: str,
                              public: tuple[str, ...]) -> list[Call]:
    """Every call whose content reaches the subject or a public channel."""
    found = []
    for call in fake.calls:
        channel = str(call.get("channel", ""))
        if call.method == "chat.postEphemeral":  # only its addressee ever sees it
            if call.get("user") == subject:
                found.append(call)
            continue
        if channel == f"D{subject}" or channel in public:
            found.append(call)
    return found
