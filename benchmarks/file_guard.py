"""What checking the database file before every commit costs.

Run: ``.venv/bin/python -m benchmarks.file_guard`` (add ``--quick`` for a smoke run).
The same write transaction (one report inserted, through ``SqliteStorage.transaction``
on a SQLite file in a temporary folder, WAL, synchronous=NORMAL, as the bot runs) is
timed with the check on and off, in many short alternating rounds so that disk and CPU
noise fall on both alike (the ratio is the median of each pair's), and the check
(``os.stat`` and a comparison) is timed on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import tempfile
import time
from itertools import count
from pathlib import Path

from bot.core.models import Report
from storage import SqliteStorage, open_migrated
from tests.storage import samples

_ids = count()


async def one_round(store: SqliteStorage, transactions: int) -> float:
    """Seconds per write transaction, averaged over ``transactions``."""
    base = samples.full(Report)
    started = time.perf_counter()
    for _ in range(transactions):
        async with store.transaction() as tx:
            await tx.insert(dataclasses.replace(base, id=f"r{next(_ids)}"))
    return (time.perf_counter() - started) / transactions


async def measure(rounds: int, transactions: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        store = await open_migrated(f"sqlite:///{db}")
        assert isinstance(store, SqliteStorage)
        identity = store._identity
        on: list[float] = []
        off: list[float] = []
        try:
            for number in range(rounds):
                for checked in (True, False) if number % 2 else (False, True):
                    # No identity is what an in-memory database has: no check.
                    store._identity = identity if checked else None
                    (on if checked else off).append(await one_round(store, transactions))
            store._identity = identity
            started = time.perf_counter()
            for _ in range(transactions * 100):
                await store._give_up_if_lost()  # the whole check, as a commit runs it
            check_cost = (time.perf_counter() - started) / (transactions * 100)
        finally:
            store._identity = identity
            await store.close()
    with_check, without = statistics.median(on), statistics.median(off)
    paired = statistics.median(a / b for a, b in zip(on, off, strict=True))
    print(f"write transaction without the check: {without * 1e6:8.1f} µs (median of "
          f"{rounds} rounds of {transactions})")
    print(f"write transaction with the check:    {with_check * 1e6:8.1f} µs")
    print(f"ratio with/without (median of pairs): {paired:7.3f}")
    print(f"the check alone (os.stat + compare): {check_cost * 1e6:8.2f} µs "
          f"({check_cost / without:.2%} of a transaction)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds, for a smoke run")
    args = parser.parse_args()
    rounds, transactions = (3, 20) if args.quick else (101, 50)
    asyncio.run(measure(rounds, transactions))


if __name__ == "__main__":
    main()
