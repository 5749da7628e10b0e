"""Reading JSON exports incrementally, and saying exactly where one could not be read.

An export of a busy community runs to gigabytes; reading it whole took ~3.4 KB of memory
a message. Here each file is parsed as a stream (``ijson``, its C backend when
installed): one message at a time is built, handed on, and dropped. The bytes pass through
a :class:`GuardedReader` on their way to the parser, which

- counts bytes and lines, so a problem is named by its line and byte in the file;
- checks the bytes are UTF-8 as they go: bytes that are not are replaced (U+FFFD) and the
  first such place is reported, so one bad byte does not cost the whole export;
- strips a byte-order mark, and feeds the progress bar.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import ijson

from bot.scan._common import ExportError

CHUNK = 16 * 1024  # small enough that a syntax error is placed within a few hundred lines
_BOM = codecs.BOM_UTF8


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in an export the scan could not read as it is. ``lost`` when messages
    were skipped (the scan's totals are then incomplete); otherwise a warning."""

    where: str
    what: str
    lost: bool = True

    def describe(self) -> str:
        return f"{self.where}: {self.what}"


class GuardedReader:
    """A binary stream for the parser that counts, checks UTF-8 and reports progress."""

    def __init__(self, raw: IO[bytes], where: str, problems: list[Problem],
                 on_bytes: Callable[[int], None] | None = None) -> None:
        self._raw = raw
        self.where = where
        self._problems = problems
        self._on_bytes = on_bytes
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.offset = 0  # bytes read from the file so far
        self.line = 1  # the line the next byte is on
        self.chunk_start = (1, 0)  # (line, byte) where the last chunk began
        self.at_end = False
        self._bad = 0
        self._first = True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(CHUNK if size is None or size < 0 else size)
        if self._first:
            self._first = False
            if data.startswith(_BOM):
                self.offset += len(_BOM)
                data = data[len(_BOM):]
        if not data:
            self.at_end = True
            self._finish()
            return data
        self.chunk_start = (self.line, self.offset)
        checked = self._check(data)
        self.offset += len(data)
        self.line += data.count(b"\n")
        if self._on_bytes is not None:
            self._on_bytes(len(data))
        return checked

    def _check(self, data: bytes) -> bytes:
        try:
            self._decoder.decode(data)
            return data
        except UnicodeDecodeError as exc:
            self._decoder.reset()
            self._note_bad(data, exc.start)
            return data.decode("utf-8", "replace").encode("utf-8")

    def _note_bad(self, data: bytes, start: int) -> None:
        self._bad += 1
        if self._bad == 1:
            line = self.line + data[:start].count(b"\n")
            self._problems.append(Problem(
                f"{self.where}: line {line}, byte {self.offset + start}",
                "bytes that are not UTF-8 text; read as \ufffd (replacement character) and "
                "scanned on. Was the file re-encoded or cut and pasted?", lost=False))

    def _finish(self) -> None:
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            self._note_bad(b"", 0)

    def position(self, *, cut_off: bool = False) -> str:
        """Where the parser stopped: exact for a file cut off (its end), else the span of
        the last chunk read, which holds the fault."""
        if cut_off:
            return f"line {self.line}, byte {self.offset} (the end of the file)"
        line, offset = self.chunk_start
        if line == self.line:
            return f"line {line}, bytes {offset}-{self.offset}"
        return f"lines {line}-{self.line}, bytes {offset}-{self.offset}"


def items(reader: GuardedReader, prefix: str) -> Iterator[Any]:
    """The values at ``prefix`` (``messages.item``, ``item``), one at a time; a syntax
    error or a cut-off file raises ``ExportError`` naming the line, after every value
    before it was handed on."""
    try:
        yield from ijson.items(reader, prefix, buf_size=CHUNK)
    except ijson.JSONError as exc:
        raise unreadable(reader, exc) from exc


def unreadable(reader: GuardedReader, exc: Exception) -> ExportError:
    """The error for a parser failure, placed in the file (yajl says "premature EOF"
    when the text stops before the JSON is complete)."""
    if reader.at_end and "premature EOF" in str(exc):
        return ExportError(f"{reader.where}: {reader.position(cut_off=True)}: the file ends "
                           "in the middle of the JSON; it was cut off (an interrupted "
                           "download or copy?).")
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "a syntax error"
    return ExportError(f"{reader.where}: {reader.position()}: not valid JSON ({detail}).")
