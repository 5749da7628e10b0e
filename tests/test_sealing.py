"""Sealing with real keys: rotation, wrong and missing keys, the key file, data at rest."""

from __future__ import annotations

import logging
import sqlite3
import stat
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from bot.core.clock import FakeClock
from bot.core.errors import SealError
from bot.core.models import (
    Actor,
    Appeal,
    AppealStatus,
    AuditEntry,
    Case,
    Office,
    Report,
    VoteChoice,
)
from bot.core.ports import Storage
from bot.core.services import ReportDraft
from bot.sealing import (
    SEAL_KEYS_ENV,
    generate_key,
    load_sealer,
    parse_keys,
    reseal,
    resolve_keys,
    seal_legacy,
)
from storage import SqliteStorage, open_migrated, open_storage
from storage._migrations import load_migrations
from tests.core.harness import STAFF, build_harness, committee_actor, person

REPORTER = person("7777777777123")  # distinctive: searched for byte by byte
SUBJECT = person("subject")
OLD, NEW = generate_key(), generate_key()
EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "config" / "example.toml"


@pytest.fixture
async def store() -> AsyncIterator[Storage]:
    storage = await open_migrated("sqlite:///:memory:")
    yield storage
    await storage.close()


async def test_rotation_old_seals_open_and_reseal_moves_them_to_the_new_key(
        store: Storage, clock: FakeClock) -> None:
    first = await load_sealer(store, parse_keys(OLD), clock)
    sealed = first.seal(REPORTER)
    async with store.transaction() as tx:
        await tx.insert(Report("R-1", None, True, "why", clock.now(), clock.now(),
                               target=SUBJECT, reporter_sealed=sealed.box,
                               reporter_tag=sealed.tag))
    rotated = await load_sealer(store, parse_keys(f"{NEW},{OLD}"), clock)
    assert rotated.open(sealed.box) == REPORTER  # the old key still opens
    assert rotated.tag(REPORTER) == sealed.tag  # tags survive a rotation
    assert await reseal(store, rotated) == 1
    only_new = await load_sealer(store, parse_keys(NEW), clock)
    async with store.transaction() as tx:
        report = await tx.get(Report, "R-1")
    assert report is not None and report.reporter_sealed != sealed.box
    assert report.reporter_sealed is not None
    assert only_new.open(report.reporter_sealed) == REPORTER
    assert only_new.tag(REPORTER) == sealed.tag
    with pytest.raises(SealError, match=SEAL_KEYS_ENV):
        await load_sealer(store, parse_keys(OLD), clock)  # the old key alone no longer fits


async def test_a_wrong_key_fails_with_a_clear_typed_error(store: Storage,
                                                         clock: FakeClock) -> None:
    sealed = (await load_sealer(store, parse_keys(OLD), clock)).seal(REPORTER)
    with pytest.raises(SealError, match="another key") as caught:
        await load_sealer(store, parse_keys(NEW), clock)
    assert OLD not in str(caught.value) and NEW not in str(caught.value)
    other = await load_sealer(await open_migrated("sqlite:///:memory:"), parse_keys(NEW),
                              clock)
    with pytest.raises(SealError, match="reseal"):
        other.open(sealed.box)


@pytest.mark.parametrize("value", ["", " , ", "not-a-key", f"{OLD},short"])
def test_missing_or_malformed_keys_are_refused(value: str) -> None:
    with pytest.raises(SealError, match="keygen"):
        parse_keys(value)


async def test_without_a_sealer_comparing_fails_loudly(store: Storage) -> None:
    async with store.transaction() as tx:
        with pytest.raises(SealError, match=SEAL_KEYS_ENV):
            tx.sealer.tag(REPORTER)


def test_key_file_is_created_private_once_and_the_warning_says_what_to_do(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    with caplog.at_level(logging.WARNING, logger="bot.sealing"):
        first = resolve_keys(None, url)
    key_file = tmp_path / "bot.db.seal-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    [warning] = [r.getMessage() for r in caplog.records]
    assert SEAL_KEYS_ENV in warning and str(key_file) in warning and "environment" in warning
    token = first.encrypt(b"x")
    assert resolve_keys(None, url).decrypt(token) == b"x"  # the same key, not a new one
    assert resolve_keys(OLD, url).decrypt(parse_keys(OLD).encrypt(b"y")) == b"y"
    resolve_keys(None, "sqlite:///:memory:")  # ephemeral, no file anywhere
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.db.seal-key"]


def test_keygen_and_reseal_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen"]) == 0
    parse_keys(capsys.readouterr().out.strip())
    db = tmp_path / "bot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("COC_BOT_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.setenv(SEAL_KEYS_ENV, f"{NEW},{OLD}")
    assert main(["reseal"]) == 0
    assert "resealed 0 sealed identities" in capsys.readouterr().out
    monkeypatch.setenv(SEAL_KEYS_ENV, "garbage")
    assert main(["reseal"]) == 2
    assert "keygen" in capsys.readouterr().err


async def test_rows_from_before_sealing_are_sealed_and_the_audit_actor_blanked(
        tmp_path: Path, clock: FakeClock) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = await open_storage(url)
    assert isinstance(old, SqliteStorage)
    await old._apply(load_migrations()[0])  # a database as main left it
    key, at = REPORTER.key, "2026-01-05T20:00:00.000000+00:00"
    await old._conn.executescript(f"""
        INSERT INTO reports (id, reporter, anonymous, reason, created_at, due_at, status,
            target, case_id) VALUES ('R-1', '{key}', 1, 'why', '{at}', '{at}', 'escalated',
            '{SUBJECT.key}', 'C-1');
        INSERT INTO cases (id, subject, summary, origin, severity, opened_at, status,
            reporter, report_id) VALUES ('C-1', '{SUBJECT.key}', 's', 'report', 'serious',
            '{at}', 'appealed', '{key}', 'R-1');
        INSERT INTO appeals (id, case_id, appellant, reason, filed_at, status)
            VALUES ('A-1', 'C-1', '{key}', 'too lenient', '{at}', 'pending');
        INSERT INTO audit_log (id, at, action, subject_type, subject_id, automated, actor,
            details) VALUES ('a1', '{at}', 'report.filed', 'report', 'R-1', 0, '{key}',
            'anonymous'), ('a2', '{at}', 'appeal.filed', 'appeal', 'A-1', 0, '{key}', 'C-1');
    """)
    assert await old.migrate() == [m.version for m in load_migrations()[1:]]
    sealer = await load_sealer(old, parse_keys(OLD), clock)
    assert await seal_legacy(old, sealer) == 1
    async with old.transaction() as tx:
        report, case = await tx.get(Report, "R-1"), await tx.get(Case, "C-1")
        appeal = await tx.get(Appeal, "A-1")
        entries = await tx.find(AuditEntry)
    assert report and case and appeal
    assert (report.reporter, case.reporter, appeal.appellant) == (None, None, None)
    assert report.reporter_sealed and sealer.open(report.reporter_sealed) == REPORTER
    assert case.reporter_tag == appeal.appellant_tag == sealer.tag(REPORTER)
    assert [(e.actor, e.automated) for e in entries] == [(None, False), (None, False)]
    await old.close()
    assert REPORTER.id.encode() not in _bytes_of(tmp_path)


def _bytes_of(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file()
                    and not p.name.endswith(".seal-key"))


async def test_database_file_and_backup_hold_no_anonymous_reporter_id(
        tmp_path: Path, clock: FakeClock) -> None:
    """A whole anonymous flow on a file database, then the bytes of the file, its WAL and a
    ``coc-bot backup`` copy are searched for the reporter's id."""
    folder = tmp_path / "db"
    folder.mkdir()
    storage = await open_migrated(f"sqlite:///{folder / 'bot.db'}")
    assert isinstance(storage, SqliteStorage)
    h = await build_harness(clock, storage)
    members = await h.seat_committee()
    president = person("president")
    await h.services.roster.appoint(STAFF, president, Office.EXECUTIVE,
                                    term_start=date(2025, 7, 1))
    draft = ReportDraft("They insulted me", anonymous=True, target=SUBJECT)
    first = await h.services.reports.submit(REPORTER, draft)
    await h.services.reports.dismiss(STAFF, first.id, bad_faith=True)
    await h.services.people.history(STAFF, REPORTER)
    second = await h.services.reports.submit(REPORTER, draft)
    case = await h.services.reports.escalate(STAFF, second.id)
    await h.hear(case.id)
    motion = await h.services.cases.propose(committee_actor(members[0]), case.id, "Warn")
    for member in members[:4]:
        await h.services.cases.vote(member, motion.id, VoteChoice.YES)
    await h.services.decisions.decide(STAFF, case.id)
    appeal = await h.services.appeals.file(REPORTER, case.id, "The decision was too lenient.")
    await h.services.appeals.decide(Actor(president), appeal.id, AppealStatus.UPHELD, "Stands")
    backup = tmp_path / "backup.db"
    await storage.backup(str(backup))
    secret = REPORTER.id.encode()
    assert secret not in _bytes_of(folder)  # bot.db, bot.db-wal, bot.db-shm
    assert secret not in backup.read_bytes()
    await storage.close()
    assert secret not in _bytes_of(folder)
    with sqlite3.connect(backup) as conn:  # the backup is whole: the reports are there
        assert conn.execute("SELECT count(*) FROM reports WHERE anonymous = 1").fetchone() \
            == (2,)
