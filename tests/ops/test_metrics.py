"""Metrics count what the services do, with labels that never carry a person or text."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from bot.core.identity import PlatformName
from bot.core.models import ActionKind, IncidentKind, ScheduledAction
from bot.core.services import IncidentDraft, ReportDraft
from bot.core.services._context import schedule
from bot.core.services.timed import TimedActionService
from bot.ops.metrics import Metrics, label
from tests.core.harness import STAFF, Harness, person

SUBJECT = person("subject")


@pytest.fixture
def metrics(harness: Harness) -> Metrics:
    found = Metrics()
    harness.ctx.telemetry = found
    return found


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


async def test_incidents_are_counted_by_rule_and_kind(harness: Harness,
                                                      metrics: Metrics) -> None:
    for _ in range(2):
        await harness.services.incidents.handle(None, IncidentDraft(
            subject=SUBJECT, kind=IncidentKind.WARNING, clause_id="no-harassment",
            rule_id="insults"))
    await harness.services.incidents.handle(STAFF, IncidentDraft(
        subject=SUBJECT, kind=IncidentKind.WARNING, clause_id="no-hate"))
    assert value(metrics, "coc_bot_incidents_total", rule="insults", kind="warning") == 2
    assert value(metrics, "coc_bot_incidents_total", rule="staff", kind="warning") == 1


async def test_a_timed_action_run_is_counted_with_its_lateness(harness: Harness,
                                                               metrics: Metrics) -> None:
    async with harness.storage.transaction() as tx:
        await schedule(tx, harness.ctx, ActionKind.REPORT_DUE, "R-1", harness.clock.now())
        await schedule(tx, harness.ctx, ActionKind.REPORT_DUE, "R-2", harness.clock.now())
    harness.clock.advance(timedelta(seconds=90))
    seen: list[str] = []

    async def handler(action: ScheduledAction) -> None:
        seen.append(action.id)
        if action.subject_id == "R-2":
            raise RuntimeError("the platform said no")

    runner = TimedActionService(harness.ctx, {ActionKind.REPORT_DUE: handler}, "w")
    await runner.run_due()
    assert len(seen) == 2
    kind = ActionKind.REPORT_DUE.value
    assert value(metrics, "coc_bot_timed_actions_total", kind=kind, outcome="done") == 1
    assert value(metrics, "coc_bot_timed_actions_total", kind=kind, outcome="failed") == 1
    assert value(metrics, "coc_bot_timed_action_lateness_seconds_count", kind=kind) == 2
    assert value(metrics, "coc_bot_timed_action_lateness_seconds_sum", kind=kind) == 180
    assert value(metrics, "coc_bot_timed_action_lateness_seconds_bucket", kind=kind,
                 le="60.0") == 0


async def test_scrape_time_gauges_read_the_database(harness: Harness,
                                                    metrics: Metrics) -> None:
    now = harness.clock.now()
    await metrics.refresh(harness.storage, now, {})
    assert value(metrics, "coc_bot_oldest_untriaged_report_age_seconds") == 0
    assert value(metrics, "coc_bot_timed_action_lag_seconds") == 0
    assert value(metrics, "coc_bot_outbox_depth") == 0  # no outbox: zero, not missing
    await harness.services.reports.submit(person("reporter"), ReportDraft(
        reason="They insulted me", target=SUBJECT))
    async with harness.storage.transaction() as tx:
        await schedule(tx, harness.ctx, ActionKind.REPORT_DUE, "R-9", now)

    async def depth() -> int:
        return 7

    metrics.watch_outbox(depth)
    later = now + timedelta(minutes=10)
    await metrics.refresh(harness.storage, later, {PlatformName.SLACK: False})
    assert value(metrics, "coc_bot_oldest_untriaged_report_age_seconds") == 600
    assert value(metrics, "coc_bot_timed_action_lag_seconds") == 600
    assert value(metrics, "coc_bot_outbox_depth") == 7
    assert value(metrics, "coc_bot_frontend_connected", platform="slack") == 0
    metrics.watch_outbox(None)
    await metrics.refresh(harness.storage, later, {})
    assert value(metrics, "coc_bot_outbox_depth") == 0


async def test_a_database_that_fails_does_not_fail_the_scrape(
        harness: Harness, metrics: Metrics, caplog: pytest.LogCaptureFixture) -> None:
    await harness.storage.close()
    await metrics.refresh(harness.storage, harness.clock.now(), {})
    assert b"coc_bot_timed_action_lag_seconds 0.0" in metrics.render()
    assert "could not read a gauge" in caplog.text


async def test_gateway_latency_is_read_when_scraped(harness: Harness,
                                                    metrics: Metrics) -> None:
    readings = iter([0.042, math.inf])
    metrics.watch_latency(PlatformName.DISCORD, lambda: next(readings))
    await metrics.refresh(harness.storage, harness.clock.now(), {})
    assert value(metrics, "coc_bot_gateway_latency_seconds", platform="discord") == 0.042
    await metrics.refresh(harness.storage, harness.clock.now(), {})
    unknown = value(metrics, "coc_bot_gateway_latency_seconds", platform="discord")
    assert unknown is not None and math.isnan(unknown)  # not connected yet: no number


@pytest.mark.parametrize(("raw", "shown"), [
    ("MESSAGE_CREATE", "MESSAGE_CREATE"), ("reaction_added", "reaction_added"),
    ("card-numbers", "card-numbers"), ("bob said <@U123> is a jerk", "other"),
    ("", "other"), ("x" * 65, "other"), ("naïve", "other"), ('a"b', "other"),
])
def test_a_label_that_is_not_one_of_our_identifiers_becomes_other(raw: str,
                                                                  shown: str) -> None:
    assert label(raw) == shown


def test_events_and_requests_are_counted_by_platform_and_kind() -> None:
    metrics = Metrics()
    metrics.event_handled(PlatformName.DISCORD, "MESSAGE_CREATE")
    metrics.event_handled(PlatformName.DISCORD, "free text from a person")
    metrics.request_handled(PlatformName.SLACK, "command", 0.12)
    assert value(metrics, "coc_bot_events_total", platform="discord",
                 kind="MESSAGE_CREATE") == 1
    assert value(metrics, "coc_bot_events_total", platform="discord", kind="other") == 1
    assert value(metrics, "coc_bot_request_duration_seconds_count", platform="slack",
                 kind="command") == 1
    text = metrics.render().decode()
    assert "free text" not in text and "process_cpu_seconds_total" in text
