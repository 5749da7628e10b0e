"""How the hot read paths behave as the case log grows: 10k, 100k and 1M rows.

Run: ``.venv/bin/python -m benchmarks.growth`` (``--sizes 10000`` for a smoke run;
``--baseline DIR`` to measure another checkout, e.g. main, in the same run;
``--postgres`` to measure on a throwaway PostgreSQL (tests/pg_server.py) instead of SQLite).

For each size one SQLite file is seeded with that many incidents, reports and audit entries
(plus a few thousand sanctions, cases and appeals), spread over the twelve months before
"now", so the yearly statistics cover every incident: the worst case. Each checkout then
measures, in a child process of its own (so its peak RSS is its own), on its own copy
(on PostgreSQL: a database cloned from the seeded one with ``CREATE DATABASE ... TEMPLATE``;
seeded with ``COPY`` and analysed, as autovacuum would have by then):

- ``/history`` of a member with ~20 incidents and some bad-faith reports;
- the monthly digest (``build_digest`` over the last month);
- automod reversal statistics over the whole year.

Each is run several times; the median is reported, with the child's peak RSS. The child
imports ``bot`` and ``storage`` from the checkout it measures (``PYTHONPATH``), and this
file uses only APIs present in both, so the same script measures before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
PEOPLE = 50_000  # distinct members the rows are about
RULES = [f"rule-{n}" for n in range(12)]
CLAUSES = [f"clause-{n}" for n in range(10)]
REPEAT = 9
SEAL_KEY = "bG9hZC1xdWVyaWVzLWJlbmNobWFyay1rZXktMzJieXQ="  # a benchmark's own Fernet key


def _person(n: int) -> Any:
    from bot.core.identity import PersonRef, PlatformName
    return PersonRef(PlatformName.DISCORD, "1", str(1_000_000 + n))


def _incidents(count: int, rnd: random.Random) -> Any:
    from bot.core.identity import PlaceRef, PlatformName
    from bot.core.models import Incident, IncidentKind, Severity
    severities = [Severity.MINOR] * 7 + [Severity.SERIOUS] * 2 + [Severity.SEVERE]
    channels = [PlaceRef(PlatformName.DISCORD, "1", str(500 + n)) for n in range(50)]
    for n in range(count):
        at = NOW - YEAR * (n / count) - timedelta(seconds=1)
        automated = rnd.random() < 0.7
        reversed_at = at + timedelta(hours=1) if rnd.random() < 0.1 else None
        yield Incident(
            id=f"I-{n:08d}", subject=_person(n % PEOPLE), kind=IncidentKind.REMOVAL,
            clause_id=rnd.choice(CLAUSES), severity=rnd.choice(severities), created_at=at,
            automated=automated, channel=rnd.choice(channels), excerpt="x" * 40,
            rule_id=rnd.choice(RULES) if automated else None, reversed_at=reversed_at)


def _reports(count: int, rnd: random.Random) -> Any:
    from bot.core.models import Report, ReportStatus
    # A few open reports (past due, listed by the digest); the rest handled one way or another.
    statuses = [status for status in ReportStatus if status is not ReportStatus.OPEN]
    for n in range(count):
        at = NOW - YEAR * (n / count) - timedelta(seconds=1)
        status = ReportStatus.OPEN if n < 200 else rnd.choice(statuses)
        yield Report(id=f"R-{n:08d}", reporter=_person((n * 7) % PEOPLE), anonymous=False,
                     reason="reason " * 5, created_at=at, due_at=at + timedelta(days=1),
                     status=status, target=_person(rnd.randrange(PEOPLE)))


def _audit(count: int, rnd: random.Random) -> Any:
    from bot.core.models import AuditEntry
    for n in range(count):
        at = NOW - YEAR * (n / count)
        yield AuditEntry(id=f"A-{n:08d}", at=at, action="incident.recorded",
                         subject_type="incident", subject_id=f"I-{n:08d}",
                         automated=rnd.random() < 0.7, details="clause=x rule=y")


def _others(count: int, rnd: random.Random) -> Any:
    from bot.core.models import (
        Appeal,
        Case,
        CaseOrigin,
        CaseStatus,
        Sanction,
        SanctionScope,
        SanctionStatus,
        Severity,
    )
    for n in range(max(count // 200, 10)):
        at = NOW - YEAR * rnd.random()
        subject = _person(n % PEOPLE)
        yield Sanction(id=f"S-{n:08d}", subject=subject, scope=SanctionScope.SPACE,
                       starts_at=at, reason="r", clause_id="clause-1", interim=False,
                       automated=False, ends_at=at + timedelta(days=rnd.randrange(1, 30)),
                       status=SanctionStatus.ACTIVE if rnd.random() < 0.1
                       else SanctionStatus.LIFTED)
        yield Case(id=f"C-{n:08d}", subject=subject, summary="s", origin=CaseOrigin.STAFF,
                   severity=Severity.SERIOUS, opened_at=at,
                   status=CaseStatus.OPEN if rnd.random() < 0.05 else CaseStatus.CLOSED)
        if n % 4 == 0:
            yield Appeal(id=f"P-{n:08d}", case_id=f"C-{n:08d}", appellant=subject,
                         reason="r", filed_at=at + timedelta(days=2))


def _url(db: str) -> str:
    return db if db.startswith("postgresql://") else f"sqlite:///{db}"


async def _open(db: str) -> Any:
    from bot.app import build_app
    from bot.core.clock import FakeClock
    from config.loader import load_settings
    settings = load_settings(None, {"DATABASE_URL": _url(db), "COC_BOT_SEAL_KEYS": SEAL_KEY})
    return await build_app(settings, clock=FakeClock(NOW), worker="bench")


def _batches(count: int) -> Any:
    """Encoded rows, per record type, in batches of at most 50,000."""
    from storage._codec import codec_for
    rnd = random.Random(count)
    for rows in (_incidents(count, rnd), _reports(count, rnd), _audit(count, rnd),
                 _others(count, rnd)):
        batch: dict[type, list[list[Any]]] = {}
        for n, entity in enumerate(rows, 1):
            batch.setdefault(type(entity), []).append(codec_for(type(entity)).encode(entity))
            if n % 50_000 == 0:
                yield batch
                batch = {}
        yield batch


def seed(db: str, count: int) -> None:
    """Create the schema of the checkout on PYTHONPATH, then bulk-insert rows."""
    async def schema() -> None:
        app = await _open(db)
        await app.close()
    asyncio.run(schema())
    if db.startswith("postgresql://"):
        asyncio.run(_seed_postgres(db, count))
        return
    conn = sqlite3.connect(db)
    for batch in _batches(count):
        _insert(conn, batch)
    conn.close()


async def _seed_postgres(url: str, count: int) -> None:
    import asyncpg

    from storage._codec import codec_for
    conn = await asyncpg.connect(url)
    try:
        for batch in _batches(count):
            for cls, encoded in batch.items():
                codec = codec_for(cls)
                await conn.copy_records_to_table(
                    codec.table, records=[tuple(r) for r in encoded], columns=list(codec.names))
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def _insert(conn: sqlite3.Connection, batch: dict[type, list[list[Any]]]) -> None:
    from storage._codec import codec_for
    for cls, encoded in batch.items():
        codec = codec_for(cls)
        conn.executemany(f"INSERT INTO {codec.table} ({', '.join(codec.names)}) VALUES "
                         f"({', '.join('?' * len(codec.names))})", encoded)
    conn.commit()
    batch.clear()


async def _timed(result: dict[str, float], name: str,
                 work: Callable[[], Awaitable[object]]) -> None:
    """The median and the best of up to ``REPEAT`` runs (fewer when one run takes seconds),
    as ``<name>_ms`` and ``<name>_best_ms``: on a shared, loaded machine the best run is
    the steadier figure of what the work itself costs."""
    times: list[float] = []
    while len(times) < REPEAT and sum(times) < 10:
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    result[f"{name}_ms"] = statistics.median(times) * 1000
    result[f"{name}_best_ms"] = min(times) * 1000


async def _yearly_reversals(app: Any) -> object:
    """The year's automod reversal statistics, by whatever means the checkout has."""
    from bot.core.automod.stats import reversal_stats
    from bot.core.models import Incident
    async with app.storage.transaction() as tx:
        stats = getattr(tx, "statistics", None)
        if stats is not None and hasattr(stats, "minor_incidents"):  # SQL aggregates
            return await stats.automod_reversals(NOW - YEAR, NOW)
    async with app.storage.transaction() as tx:  # before: every incident loaded
        found = await tx.find(Incident, created_at__gte=NOW - YEAR, created_at__lt=NOW)
    return reversal_stats((i.rule_id, i.reversed_at is not None)
                          for i in found if i.automated and i.rule_id)


async def _measure(db: str) -> dict[str, float]:
    from bot.core.identity import PersonRef, PlatformName
    from bot.core.models import Actor, Role
    from bot.core.services.digest import build_digest, month_before
    started = time.perf_counter()
    app = await _open(db)  # applies this checkout's pending migrations (its indexes)
    opened = (time.perf_counter() - started) * 1000
    staff = Actor(PersonRef(PlatformName.DISCORD, "1", "staff"), frozenset({Role.STAFF}))
    member = _person(7 * 11)  # has incidents and is a reporter
    result = {"open_ms": opened}
    try:
        await _timed(result, "history", lambda: app.services.people.history(staff, member))
        await _timed(result, "digest",
                     lambda: build_digest(app.services.ctx, month_before(NOW), NOW))
        await _timed(result, "yearly_reversals", lambda: _yearly_reversals(app))
    finally:
        await app.close()
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _child(checkout: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run([sys.executable, __file__, *args], env=env, cwd=checkout,
                          capture_output=True, text=True, check=False, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed in {checkout}:\n{done.stderr}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--baseline", type=Path, help="another checkout to measure too")
    parser.add_argument("--seeded", nargs=2, action="append", default=[],
                        metavar=("SIZE", "DB"), help="reuse a database seeded by --seed")
    parser.add_argument("--postgres", action="store_true",
                        help="measure on a throwaway PostgreSQL server instead of SQLite")
    parser.add_argument("--seed", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed[0], int(args.seed[1]))
        return
    if args.measure:
        print(json.dumps(asyncio.run(_measure(args.measure))))
        return
    here = Path(__file__).resolve().parent.parent
    checkouts = {"after": here}
    if args.baseline:
        checkouts = {"before": args.baseline.resolve(), **checkouts}
    schema_from = checkouts.get("before", here)
    if args.postgres:
        asyncio.run(_on_postgres(args.sizes, checkouts, schema_from))
        return
    results: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        given = {int(size): Path(db) for size, db in args.seeded}
        for size in map(int, args.sizes.split(",")):
            seeded = Path(folder) / f"seed-{size}.db"
            started = time.perf_counter()
            if size in given:
                _copy(given[size], seeded)
            else:
                _child(schema_from, "--seed", str(seeded), str(size))
            print(f"seeded {size:,} rows each in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
            results[size] = {}
            for label, checkout in checkouts.items():
                copy = Path(folder) / f"{label}-{size}.db"
                _copy(seeded, copy)
                results[size][label] = json.loads(_child(checkout, "--measure", str(copy)))
                copy.unlink()
            seeded.unlink()
            _print(size, results[size])


async def _on_postgres(sizes: str, checkouts: dict[str, Path], schema_from: Path) -> None:
    """Each size seeded once into a database of its own; each checkout measures a clone."""
    import asyncpg

    from tests import pg_server
    server = pg_server.start()
    base = server.url.rsplit("/", 1)[0]
    admin = await asyncpg.connect(server.url)
    try:
        for size in map(int, sizes.split(",")):
            seeded = f"seed_{size}"
            await admin.execute(f"CREATE DATABASE {seeded}")
            started = time.perf_counter()
            _child(schema_from, "--seed", f"{base}/{seeded}", str(size))
            print(f"seeded {size:,} rows each in {time.perf_counter() - started:.0f} s",
                  file=sys.stderr)
            runs: dict[str, dict[str, float]] = {}
            for label, checkout in checkouts.items():
                clone = f"{label}_{size}"
                await admin.execute(f"CREATE DATABASE {clone} TEMPLATE {seeded}")
                runs[label] = json.loads(_child(checkout, "--measure", f"{base}/{clone}"))
                await admin.execute(f"DROP DATABASE {clone}")
            await admin.execute(f"DROP DATABASE {seeded}")
            _print(size, runs)
    finally:
        await admin.close()
        server.stop()


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file (its WAL included), through SQLite's backup."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _print(size: int, runs: dict[str, dict[str, float]]) -> None:
    keys = [f"{name}{kind}_ms" for name in ("history", "digest", "yearly_reversals")
            for kind in ("", "_best")] + ["peak_rss_mib", "open_ms"]
    print(f"\n{size:,} rows per table")
    print(f"{'':22}" + "".join(f"{label:>12}" for label in runs)
          + ("       ratio" if len(runs) == 2 else ""))
    for key in keys:
        values = [runs[label][key] for label in runs]
        line = f"{key:22}" + "".join(f"{value:12.1f}" for value in values)
        if len(values) == 2 and values[1]:
            line += f"{values[0] / values[1]:11.1f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
