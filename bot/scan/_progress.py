"""The scan's progress bar, on stderr so ``--format json`` on stdout stays clean.

Drawn only where a person watches (stderr is a terminal) unless asked for; redrawn at most
a few times a second, so a million messages cost a few hundred writes, not a million.
"""

from __future__ import annotations

import time
from typing import TextIO

_WIDTH = 24
_EVERY = 0.2  # seconds between redraws


class Progress:
    """Bytes of JSON read out of the total, and messages scanned, with the rate."""

    def __init__(self, total_bytes: int, out: TextIO) -> None:
        self._total = max(total_bytes, 1)
        self._out = out
        self._read = 0
        self.messages = 0
        self._started = time.monotonic()
        self._drawn = 0.0

    def add_bytes(self, count: int) -> None:
        self._read += count
        self._maybe_draw()

    def add_message(self) -> None:
        self.messages += 1
        if self.messages % 1024 == 0:
            self._maybe_draw()

    def _maybe_draw(self) -> None:
        now = time.monotonic()
        if now - self._drawn >= _EVERY:
            self._drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        share = min(self._read / self._total, 1.0)
        filled = int(share * _WIDTH)
        rate = self.messages / max(now - self._started, 1e-6)
        self._out.write(f"\r[{'#' * filled}{'.' * (_WIDTH - filled)}] {share:4.0%}  "
                        f"{_size(self._read)} of {_size(self._total)}  "
                        f"{self.messages:,} messages  {rate:,.0f}/s ")
        self._out.flush()

    def finish(self) -> None:
        self._draw(time.monotonic())
        self._out.write("\n")
        self._out.flush()


def _size(count: int) -> str:
    """Bytes as a person reads them: 512 B, 12.3 KB, 4.5 MB, 1.2 GB."""
    if count < 1024:
        return f"{count} B"
    value = float(count)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            break
    return f"{value:.1f} {unit}"
