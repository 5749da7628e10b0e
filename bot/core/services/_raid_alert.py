"""The one alert a raid wave gets in the staff queue and in the committee's channel.

Posted once when the wave starts and edited in place as it grows: a flood of hundreds of
messages is one message per channel for the people who read them (and a handful of edits
Discord paces on its own), not one post per incident, which would also meet Discord's
per-channel limit of about five messages in five seconds and stall the bot.

Edits are coalesced: a wave that changes while an edit is in flight gets one more edit
with the latest figures, never a queue of stale ones.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from bot.core.errors import PlatformError
from bot.core.identity import MessageRef, PlatformName
from bot.core.markup import Trusted
from bot.core.ports import Audience, Notice, NoticeKind
from bot.core.rules.raid import Restraint, Wave
from bot.core.services._context import Context, mention_place, when

log = logging.getLogger(__name__)

_RESTRAINT_TEXT = {Restraint.SLOW_MODE: "slow mode", Restraint.LOCK: "locked"}


@dataclass
class WaveAlert:
    """Where a wave's alert was posted, and whether an edit is due or under way."""

    wave: Wave
    platform: PlatformName
    posted: dict[Audience, MessageRef] = field(default_factory=dict)
    dirty: bool = False
    editing: asyncio.Task[None] | None = None
    restrained_until: dict[str, str] = field(default_factory=dict)  # channel mention -> until


def render(ctx: Context, alert: WaveAlert) -> str:
    wave = alert.wave
    messages = ctx.messages
    state = messages.render("raid_ended", at=when(ctx, None, wave.ended_at),
                            quiet=_span(ctx.policy.raid.quiet.total_seconds())) \
        if wave.ended_at is not None else messages.render("raid_active")
    details: list[str] = []
    if wave.not_deleted:
        details.append(messages.render("raid_not_deleted", count=wave.not_deleted))
    if wave.undelivered:
        details.append(messages.render("raid_undelivered", count=wave.undelivered))
    if wave.flagged:
        details.append(messages.render("raid_flagged", count=wave.flagged))
    if wave.escalated:
        details.append(messages.render("raid_escalated", count=len(wave.escalated)))
    for place, restraint in wave.restrained.items():
        channel = mention_place(place)
        details.append(messages.render(
            "raid_restrained", channel=channel, what=_RESTRAINT_TEXT.get(restraint, "restrained"),
            until=Trusted(alert.restrained_until.get(channel, "later"))))
    channels = wave.top_channels()
    more = len(wave.channels) - len(channels)
    return messages.render(
        "raid_alert", state=state, ref=wave.id, started=when(ctx, None, wave.started_at),
        removed=wave.removed, accounts=len(wave.accounts),
        channels=Trusted(", ".join(mention_place(p) for p in channels)
                         + (f" and {more} more" if more > 0 else "")),
        rules=", ".join(wave.top_rules()), timed_out=len(wave.timed_out),
        details=Trusted("\n".join(details)))


def _span(seconds: float) -> str:
    return f"{int(seconds // 60)} min" if seconds >= 120 else f"{int(seconds)} s"


async def post(ctx: Context, alert: WaveAlert) -> set[Audience]:
    """Post the alert for the first time: the staff queue of the raided platform and the
    committee's channel on the home platform. A failure is logged; the next update tries
    to post again."""
    notice = Notice(NoticeKind.RAID_ALERT, render(ctx, alert), subject_id=alert.wave.id)
    fresh: set[Audience] = set()
    for audience in (Audience.STAFF, Audience.COMMITTEE):
        if audience in alert.posted:
            continue
        platform = ctx.platforms.get(alert.platform) if audience is Audience.STAFF \
            and ctx.platforms.has(alert.platform) else ctx.platforms.home
        try:
            alert.posted[audience] = await platform.post(audience, notice)
            fresh.add(audience)
        except PlatformError as exc:
            log.warning("raid %s: alert not posted to %s: %s", alert.wave.id, audience, exc)
    return fresh


def refresh(ctx: Context, alert: WaveAlert) -> None:
    """Ask for the alert to show the latest figures; at most one edit runs at a time."""
    alert.dirty = True
    if alert.editing is None or alert.editing.done():
        alert.editing = asyncio.create_task(_edit_while_dirty(ctx, alert),
                                            name=f"raid-alert-{alert.wave.id}")


async def settle(ctx: Context, alert: WaveAlert) -> None:
    """Wait for the edit under way, then make sure the last figures are shown."""
    if alert.editing is not None:
        await asyncio.shield(alert.editing)
    alert.dirty = True
    await _edit_while_dirty(ctx, alert)


async def _edit_while_dirty(ctx: Context, alert: WaveAlert) -> None:
    while alert.dirty:
        alert.dirty = False
        fresh = await post(ctx, alert) if len(alert.posted) < 2 else set()  # retry a failure
        notice = Notice(NoticeKind.RAID_ALERT, render(ctx, alert), subject_id=alert.wave.id)
        for audience, message in list(alert.posted.items()):
            if audience in fresh:
                continue
            try:
                await ctx.platforms.get(message.platform).edit(message, notice)
            except PlatformError as exc:
                log.warning("raid %s: alert in %s not updated: %s", alert.wave.id,
                            audience, exc)
            except Exception:  # a background task: never leave an error unretrieved
                log.exception("raid %s: alert in %s not updated", alert.wave.id, audience)
