"""Timed actions wait for their platform: no attempt spent, woken the moment it is ready."""

from __future__ import annotations

from datetime import timedelta

from bot.core.durations import parse_duration
from bot.core.identity import PlatformName
from bot.core.models import ActionKind, ActionStatus, SanctionScope, ScheduledAction
from bot.core.platforms import HOME, Needs, PlatformRegistry
from bot.core.services import SuspensionRequest
from tests.core.harness import STAFF, Harness, person
from tests.core.recording_platform import RecordingPlatform


class RecordingWaker:
    def __init__(self) -> None:
        self.woken: list[str] = []

    def wake(self, action: ScheduledAction) -> None:
        self.woken.append(action.id)


async def test_an_overdue_lift_waits_for_the_platform_without_spending_an_attempt(
        harness: Harness) -> None:
    sanction = await harness.services.sanctions.suspend(STAFF, SuspensionRequest(
        person("bob"), parse_duration("1h"), SanctionScope.SPACE, "cooling off"))
    registry = harness.services.ctx.platforms
    registry.mark_unready(PlatformName.DISCORD)  # a restart: not connected yet
    harness.clock.advance(timedelta(hours=2))
    key = ScheduledAction.key_for(ActionKind.LIFT_SANCTION, sanction.id)

    [result] = await harness.timed.run_due()
    assert result.waiting and not result.ran and harness.timed.parked == [key]
    async with harness.storage.transaction() as tx:
        action = await tx.get(ScheduledAction, key)
    assert action is not None and action.attempts == 0 and action.last_error is None
    assert action.status is ActionStatus.PENDING and harness.platform.restored == []

    waker = RecordingWaker()
    harness.services.ctx.waker = waker
    registry.mark_ready(PlatformName.DISCORD)
    assert waker.woken == [key] and harness.timed.parked == []
    assert (await harness.timed.run(key)).ran
    assert [s.id for s in harness.platform.restored] == [sanction.id]


async def test_an_action_on_a_ready_platform_does_not_wait_for_another(
        harness: Harness) -> None:
    """A lift on Discord runs while Slack (also served) is still connecting."""
    registry = harness.services.ctx.platforms
    registry.register(RecordingPlatform(PlatformName.SLACK, "T1"), ready=False)
    sanction = await harness.services.sanctions.suspend(STAFF, SuspensionRequest(
        person("bob"), parse_duration("1h"), SanctionScope.SPACE, "cooling off"))
    harness.clock.advance(timedelta(hours=2))
    assert [r.ran for r in await harness.timed.run_due()] == [True]
    assert [s.id for s in harness.platform.restored] == [sanction.id]


def test_the_committee_home_is_waited_for_when_it_is_expected() -> None:
    registry = PlatformRegistry(PlatformName.DISCORD)
    registry.expect([PlatformName.DISCORD, PlatformName.SLACK])
    registry.register(RecordingPlatform(PlatformName.SLACK, "T1"))
    assert registry.home_name is PlatformName.DISCORD and not registry.satisfies(HOME)
    assert registry.satisfies(Needs(frozenset({PlatformName.SLACK})))
    registry.register(RecordingPlatform(), ready=False)
    assert not registry.satisfies(HOME)
    heard: list[PlatformName] = []
    registry.on_ready(heard.append)
    registry.mark_ready(PlatformName.DISCORD)
    registry.mark_ready(PlatformName.DISCORD)  # told once per connection
    assert registry.satisfies(HOME) and heard == [PlatformName.DISCORD]


def test_without_an_expected_home_the_first_platform_is_home() -> None:
    registry = PlatformRegistry(PlatformName.DISCORD)
    assert registry.home_name is None and not registry.satisfies(HOME)
    registry.register(RecordingPlatform(PlatformName.SLACK, "T1"))
    assert registry.home_name is PlatformName.SLACK and registry.satisfies(HOME)
