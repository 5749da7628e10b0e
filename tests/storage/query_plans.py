"""Record the statements a piece of work sends to SQLite, and ask SQLite how it runs them.

The plan tests drive the real services (``/history``, the digest, the yearly figures) and
check the plan of every statement they actually issued, so a new query or a changed filter
is checked too, not a hand-copied SQL string that can drift from the code.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from storage.sqlite import SqliteStorage

_TABLE = re.compile(r"\bFROM\s+([a-z_]+)", re.IGNORECASE)


@dataclass
class Plan:
    sql: str
    steps: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.steps)

    def tables(self) -> set[str]:
        return set(_TABLE.findall(self.sql))


@dataclass
class Recorder:
    statements: list[str] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)

    def reads_of(self, table: str) -> list[Plan]:
        """Plans of the SELECTs that read ``table``."""
        return [plan for plan in self.plans if table in plan.tables()]


@asynccontextmanager
async def recording(storage: SqliteStorage) -> AsyncIterator[Recorder]:
    """Trace every statement inside the block; on leaving, EXPLAIN QUERY PLAN each SELECT
    (with its parameters expanded, exactly as it ran)."""
    recorder = Recorder()
    conn = storage._conn  # the test reaches into its own backend
    await conn.set_trace_callback(recorder.statements.append)
    try:
        yield recorder
    finally:
        await conn.set_trace_callback(None)
    for sql in recorder.statements:
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        cursor = await conn.execute(f"EXPLAIN QUERY PLAN {sql}")
        steps = [str(row[3]) for row in await cursor.fetchall()]
        recorder.plans.append(Plan(sql, steps))
