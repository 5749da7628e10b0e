"""A live raid wave kept in the database, so a restart mid-wave resumes it.

Without it a bot restarted in the middle of a raid knew nothing of the wave: the next
finding started a new wave from zero and posted a second alert, and the first alert kept
the figures it had when the bot stopped. Now the wave's figures and the ids of its two alert
messages are a ``RaidWave`` row, written in the same transaction as each batch of its
incidents (and after the batch's escalations and suspensions); the restarted bot reads it
back, counts on from the full totals and edits the same messages. The row is deleted when
the wave ends, so it lives only as long as the raid.
"""

from __future__ import annotations

from collections import Counter

from bot.core.identity import MessageRef, PlaceRef, PlatformName
from bot.core.models import RaidWave
from bot.core.ports import Audience, Tx
from bot.core.rules.raid import Restraint, Wave
from bot.core.services._raid_alert import WaveAlert


def to_row(alert: WaveAlert) -> RaidWave:
    wave = alert.wave
    return RaidWave(
        id=wave.id, space=wave.space, started_at=wave.started_at, last_at=wave.last_at,
        removed=wave.removed, not_deleted=wave.not_deleted, flagged=wave.flagged,
        undelivered=wave.undelivered, accounts=frozenset(wave.accounts),
        told=frozenset(wave.told), timed_out=frozenset(wave.timed_out),
        escalated=frozenset(wave.escalated),
        channels=tuple(f"{n}:{place.key}" for place, n in wave.channels.items()),
        rules=tuple(f"{n}:{rule}" for rule, n in wave.rules.items()),
        restrained=tuple(f"{r.value}:{place.key}" for place, r in wave.restrained.items()),
        restrained_until=tuple(f"{channel}={until}"
                               for channel, until in alert.restrained_until.items()),
        staff_alert=alert.posted.get(Audience.STAFF),
        committee_alert=alert.posted.get(Audience.COMMITTEE))


def from_row(row: RaidWave) -> WaveAlert:
    wave = Wave(
        id=row.id, space=row.space, started_at=row.started_at, last_at=row.last_at,
        removed=row.removed, not_deleted=row.not_deleted, flagged=row.flagged,
        undelivered=row.undelivered, accounts=set(row.accounts), told=set(row.told),
        timed_out=set(row.timed_out), escalated=set(row.escalated),
        channels=Counter({PlaceRef.parse(key): n for n, key in map(_counted, row.channels)}),
        rules=Counter({rule: n for n, rule in map(_counted, row.rules)}),
        restrained={PlaceRef.parse(key): Restraint(kind) for kind, _, key in
                    (entry.partition(":") for entry in row.restrained)})
    posted: dict[Audience, MessageRef] = {
        audience: message for audience, message in (
            (Audience.STAFF, row.staff_alert), (Audience.COMMITTEE, row.committee_alert))
        if message is not None}
    until = dict(entry.partition("=")[::2] for entry in row.restrained_until)
    return WaveAlert(wave, PlatformName(row.space.partition(":")[0]), posted,
                     restrained_until=until)


def _counted(entry: str) -> tuple[int, str]:
    count, _, key = entry.partition(":")
    return int(count), key


async def save(tx: Tx, alert: WaveAlert) -> None:
    """Write the wave as it stands (the first time, or over the last write)."""
    row = to_row(alert)
    if not await tx.insert_new(row):
        await tx.update(row)


async def live(tx: Tx, space: str) -> WaveAlert | None:
    """The wave still on in ``space`` when the bot stopped, if any (the latest)."""
    rows = await tx.find(RaidWave, space=space, order_by="started_at")
    return from_row(rows[-1]) if rows else None


async def load(tx: Tx, wave_id: str) -> WaveAlert | None:
    row = await tx.get(RaidWave, wave_id)
    return from_row(row) if row is not None else None


async def forget(tx: Tx, wave_id: str) -> None:
    """The wave is over: its row goes (the incidents and the alert stay)."""
    await tx.delete(RaidWave, wave_id)
