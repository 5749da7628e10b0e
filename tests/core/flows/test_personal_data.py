"""A person's rights: everything stored about them (every table, linked accounts), and
its erasure in one transaction that keeps the record's integrity."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from bot.core.errors import InvalidInput, NotFound, StorageError
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import (
    ENTITY_TYPES,
    AuditEntry,
    Evidence,
    PersonLink,
    Report,
    VoteChoice,
)
from bot.core.services import ReportDraft, personal_data
from bot.core.services.personal_data import (
    ERASED_SPACE,
    SEALED,
    THEIR_WORDS,
    person_fields,
    text_fields,
)
from storage import SqliteStorage
from tests.core.harness import STAFF, Harness, committee_actor, person
from tests.storage.samples import full

ERIN = person("918273645501")  # the person who asks
ERIN_SLACK = PersonRef(PlatformName.SLACK, "T1", "U0ERASEME1")  # her other account
OTHER = person("555000111222")
WITNESS = person("777333999111")


def test_every_person_field_of_every_record_is_declared() -> None:
    """A new table (or field) holding a person fails here until its erasure says which
    of its text goes with that person."""
    for cls in ENTITY_TYPES:
        fields = set(person_fields(cls))
        assert fields == set(THEIR_WORDS.get(cls, {})), cls.__name__
        for words in THEIR_WORDS.get(cls, {}).values():
            assert words <= set(text_fields(cls)), cls.__name__
    for cls, (box, tag, words) in SEALED.items():
        assert {box, tag} | words <= set(text_fields(cls))


def _about(cls: type, who: PersonRef) -> Any:
    """The fullest sample of ``cls`` with every person field set to ``who``."""
    sample = full(cls)
    return dataclasses.replace(sample, **{name: who for name in person_fields(cls)})


async def test_export_finds_the_person_in_every_table_that_holds_people(
        harness: Harness) -> None:
    await harness.services.people.link(STAFF, ERIN, ERIN_SLACK)
    holding = [cls for cls in ENTITY_TYPES if person_fields(cls) and cls is not PersonLink]
    async with harness.storage.transaction() as tx:
        for n, cls in enumerate(holding):  # half on each of her accounts
            row = _about(cls, ERIN if n % 2 else ERIN_SLACK)
            await tx.insert(dataclasses.replace(row, id=f"{row.id}-erin"))
    document = await harness.services.personal_data.export(ERIN_SLACK.key, "test")
    assert document["person"] == sorted([ERIN.key, ERIN_SLACK.key])
    tables = {str(cls.__dict__["TABLE"]) for cls in holding} | {"person_links"}
    assert tables <= set(document["records"])
    for cls in holding:
        ids = [r["id"] for r in document["records"][str(cls.__dict__["TABLE"])]]
        assert any(i.endswith("-erin") for i in ids), cls.__name__
    async with harness.storage.transaction() as tx:
        assert await tx.count(AuditEntry, action="person.exported") == 1


async def test_the_reported_person_never_learns_who_reported_them(harness: Harness) -> None:
    said = harness.platform.write("555", ERIN, "whatever")
    await harness.services.reports.submit(WITNESS, ReportDraft(
        reason="Erin insulted me in our DMs", target=ERIN, message=said))
    await harness.services.reports.submit(OTHER, ReportDraft(
        reason="me too", anonymous=True, target=ERIN))
    document = await harness.services.personal_data.export(ERIN.key, "test")
    text = repr(document)
    assert WITNESS.id not in text and OTHER.id not in text
    assert "insulted me" not in text and "me too" not in text
    assert len(document["records"]["reports"]) == 2
    assert [e["text"] for e in document["records"]["evidence"]] == ["whatever"]


async def test_an_anonymous_reporter_gets_their_own_reports(harness: Harness) -> None:
    await harness.services.reports.submit(ERIN, ReportDraft(
        reason="he threatened me", anonymous=True, target=OTHER))
    document = await harness.services.personal_data.export(ERIN.key, "test")
    (report,) = document["records"]["reports"]
    assert report["reason"] == "he threatened me" and report["reporter"] == "you (anonymously)"


async def test_bad_input_changes_nothing(harness: Harness) -> None:
    with pytest.raises(InvalidInput, match="not a valid person"):
        await harness.services.personal_data.export("nobody", "test")
    with pytest.raises(NotFound, match="Nothing is stored"):
        await harness.services.personal_data.export(ERIN.key, "test")
    with pytest.raises(InvalidInput, match="reason"):
        await harness.services.personal_data.erase(ERIN.key, "  ", "test")
    with pytest.raises(NotFound, match="Nothing is stored"):
        await harness.services.personal_data.erase(ERIN.key, "asked by e-mail", "test")
    async with harness.storage.transaction() as tx:
        assert await tx.count(AuditEntry, action__in=["person.exported",
                                                      "person.erased"]) == 0


async def test_erasure_keeps_counts_decisions_and_other_peoples_history(
        harness: Harness) -> None:
    members = await harness.seat_committee()
    await harness.services.people.link(STAFF, ERIN, ERIN_SLACK)
    harness.platform.write("555", WITNESS, "hi all")
    said = harness.platform.write("555", ERIN, "you fool, see erin@example.org")
    report = await harness.services.reports.submit(WITNESS, ReportDraft(
        reason="Erin keeps insulting", target=ERIN, message=said))
    case = await harness.services.reports.escalate(STAFF, report.id)
    motion = await harness.services.cases.propose(committee_actor(members[0]), case.id,
                                                  "A written warning")
    for member in members[:4]:
        await harness.services.cases.vote(member, motion.id, VoteChoice.YES)
    await harness.services.reports.submit(WITNESS, ReportDraft(
        reason="spam from someone else", target=OTHER))
    before = await _everything(harness)

    changed = await harness.services.personal_data.erase(ERIN.key, "asked on 2026-01-05",
                                                         "test")
    after = await _everything(harness)
    assert changed["reports"] == 1 and changed["cases"] == 1 and changed["person_links"] == 2
    # nothing disappeared but her links; one audit entry more, for the erasure itself
    assert {k: len(v) for k, v in after.items()} == {
        k: len(v) + {"person_links": -2, "audit_log": 1}.get(k, 0) for k, v in before.items()}
    text = repr(after)
    for gone in (ERIN.id, ERIN_SLACK.id, "you fool", "keeps insulting"):
        assert gone not in text
    tally = await harness.services.cases.tally_for(motion.id)
    assert (tally.yes, tally.carried) == (4, True)
    erased_report = next(r for r in after["reports"] if r.id == report.id)
    assert erased_report.target is not None and erased_report.target.space == ERASED_SPACE
    assert erased_report.reason == "[erased]" and erased_report.reporter == WITNESS
    # the other report, and everything not about her, is as it was
    for table, rows in before.items():
        for row in rows:
            if not _mentions(row, (ERIN, ERIN_SLACK)):
                assert row in after[table], (table, row)
    entry = next(e for e in after["audit_log"] if e.action == "person.erased")
    assert entry.reason == "asked on 2026-01-05" and entry.actor is None


async def test_an_erasure_that_fails_midway_changes_nothing(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """Erasure is one transaction: a failure after some rows were already blanked (the
    disk fills, the database goes away) leaves every row as it was, and no audit entry."""
    await harness.services.people.link(STAFF, ERIN, ERIN_SLACK)
    await harness.services.reports.submit(WITNESS, ReportDraft(
        reason="Erin keeps insulting", target=ERIN))
    await harness.services.reports.submit(ERIN_SLACK, ReportDraft(reason="spam", target=OTHER))
    before = await _everything(harness)
    real = personal_data._Eraser.apply
    done = 0

    async def fails_after_two(self: Any, tx: Any, row: Any) -> int:
        nonlocal done
        changed = await real(self, tx, row)
        done += changed
        if done >= 2:
            raise StorageError("the disk is full")
        return changed

    monkeypatch.setattr(personal_data._Eraser, "apply", fails_after_two)
    with pytest.raises(StorageError, match="disk is full"):
        await harness.services.personal_data.erase(ERIN.key, "asked by e-mail", "test")
    assert done >= 2  # rows were changed inside the transaction before it failed
    assert await _everything(harness) == before


async def test_outside_an_erasure_the_audit_log_cannot_change(harness: Harness) -> None:
    await harness.services.reports.submit(ERIN, ReportDraft(reason="x", target=OTHER))
    async with harness.storage.transaction() as tx:
        entry = (await tx.find(AuditEntry))[0]
    with pytest.raises(StorageError, match="erasure"):
        async with harness.storage.transaction() as tx:
            await tx.rewrite(dataclasses.replace(entry, actor=None))
    with pytest.raises(StorageError, match="personal fields of the audit log, nothing else"):
        async with harness.storage.erasure() as tx:  # even an erasure cannot rewrite events
            await tx.rewrite(dataclasses.replace(entry, at=entry.at + timedelta(1)))
    if not isinstance(harness.storage, SqliteStorage):
        return  # plain SQL on PostgreSQL: tests/storage/test_postgres.py
    conn = harness.storage._conn  # plain SQL, no erasure
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await conn.execute("UPDATE audit_log SET actor = NULL")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await conn.execute("DELETE FROM audit_log")
    async with harness.storage.transaction() as tx:
        assert (await tx.get(AuditEntry, entry.id)) == entry


async def _everything(h: Harness) -> dict[str, list[Any]]:
    async with h.storage.transaction() as tx:
        return {str(cls.__dict__["TABLE"]): await tx.find(cls) for cls in ENTITY_TYPES}


def _mentions(row: Any, people: tuple[PersonRef, ...]) -> bool:
    text = repr(row)
    about_her = isinstance(row, Report | Evidence) and "Erin" in text
    return about_her or any(p.id in text for p in people)


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
async def test_the_reported_persons_export_holds_no_reporter_words_after_escalation(
        harness: Harness, anonymous: bool) -> None:
    """Staff escalate the report: the case's summary is the reporter's own words, so the
    subject's export carries it no more than the report's reason, and no audit entry or
    queued DM names or quotes the reporter either."""
    await harness.seat_committee()
    report = await harness.services.reports.submit(WITNESS, ReportDraft(
        reason="Erin followed me from the Thursday meetup and DMs me at night",
        target=ERIN, anonymous=anonymous))
    await harness.services.reports.escalate(STAFF, report.id)
    document = await harness.services.personal_data.export(ERIN.key, "test")
    text = repr(document)
    assert WITNESS.id not in text
    assert "Thursday meetup" not in text, text
    assert document["records"]["cases"]  # her case is still in it, without those words


async def test_the_reported_persons_export_gives_the_day_of_a_report_not_its_minute(
        harness: Harness) -> None:
    """"Reported two minutes after you messaged X" names X: the subject learns on which
    day a report about them was filed (and its evidence kept), never the time of day."""
    said = harness.platform.write("555", ERIN, "see you at the meetup")
    harness.clock.advance(timedelta(minutes=37, seconds=12))
    await harness.services.reports.submit(WITNESS, ReportDraft(
        reason="she keeps messaging me", target=ERIN, message=said, anonymous=True))
    document = await harness.services.personal_data.export(ERIN.key, "test")
    (report,) = document["records"]["reports"]
    assert report["created_at"] == "2026-01-05"
    assert all(e["captured_at"] == "2026-01-05" for e in document["records"]["evidence"])
    assert "20:37" not in repr(document["records"])
    # The reporter's own export keeps the exact time: it is theirs.
    own = await harness.services.personal_data.export(WITNESS.key, "test")
    assert own["records"]["reports"][0]["created_at"].startswith("2026-01-05T20:37:12")
