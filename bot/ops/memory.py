"""The garbage collector's thresholds for a bot that takes floods.

CPython's defaults (a young collection every 700 net allocations, everything that lives
through two of them promoted to the old generation) suit short programs. A bot under a
raid holds thousands of events in flight for a second or so each: with the defaults they
outlive the young collections, reach the old generation, and set off full collections
that walk every live object. Measured with ``benchmarks/pipeline.py`` (2,000 messages a
second, half of them violations): 6-8 full collections of up to 650 ms each, about two
seconds of pauses in a 10-second flood, each pause adding to every removal in flight.
With a young generation of 50,000 objects, what lives a second dies young: under half a
second of collection in all, the longest pause under 100 ms. Memory is not the cost: the
young generation is counted in objects, and reference counting frees almost everything
before any collection runs.
"""

from __future__ import annotations

import gc

THRESHOLDS = (50_000, 20, 10)


def tune_collector() -> None:
    """Set :data:`THRESHOLDS` for this process (``coc-bot run`` calls it at start)."""
    gc.set_threshold(*THRESHOLDS)
