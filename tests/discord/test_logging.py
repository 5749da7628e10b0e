"""``--log-level DEBUG`` shows what the bot does, never what people reported.

aiosqlite logs every SQL call with its parameters at DEBUG, and discord.py every gateway
event and request body: a report's text and its reporter's id would land in the journal.
"""

from __future__ import annotations

import logging

import pytest

from bot.core.models import Report
from bot.log_setup import configure_logging
from tests.discord.conftest import World
from tests.discord.test_reports import queue_message

SECRET_TEXT = "Quokka-9431 keeps sending me his address"


async def leaks_of_a_report(world: World, caplog: pytest.LogCaptureFixture) -> list[str]:
    """File an anonymous report through the real client; the log records that show it."""
    fake = world.fake
    token = await fake.slash(world.alice, "report", reason=SECRET_TEXT, member=world.bob,
                             anonymous=True)
    await fake.wait_for(lambda: fake.reply_texts(token), "answered /report")
    await queue_message(world)
    async with world.app.storage.transaction() as tx:
        [report] = await tx.find(Report)
    assert report.reason == SECRET_TEXT  # the report really went through the database
    leaks = []
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        if "Quokka-9431" in text or str(world.alice.id) in text:
            leaks.append(f"{record.name}: {text[:200]}")
    return leaks


async def test_a_report_at_debug_level_logs_no_report_text_and_no_reporter_id(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG")  # what `coc-bot --log-level DEBUG` does
    assert logging.getLogger("bot.app").isEnabledFor(logging.DEBUG)
    assert await leaks_of_a_report(world, caplog) == []


async def test_the_check_above_catches_the_driver_logging_parameters(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    """Without the cap (as before), aiosqlite's DEBUG records carry the report."""
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG")
    logging.getLogger("aiosqlite").setLevel(logging.DEBUG)
    leaks = await leaks_of_a_report(world, caplog)
    assert leaks and all(leak.startswith("aiosqlite") for leak in leaks)
