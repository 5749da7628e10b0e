"""The form of a pattern that a pattern set holds: each bounded repetition ``{m,n}``
opened to ``{m,}``.

A set only says which of its patterns match somewhere; every pattern it names is then
run exactly, on its own, before anything is reported or masked (``_ViewSet.found``,
``personal_spans``). So a set may hold any pattern that matches wherever the exact one
does, and the open form does: ``x{m,}`` accepts all that ``x{m,n}`` accepts.

The upper bound is what makes a DFA count. ``\\d{1,6}`` must remember how many digits
it has read, the e-mail pattern's ``{0,63}`` how long the local part is, the address
patterns' ``{1,3}`` how many words; in a set each such count multiplies with every other
member's state, so new text keeps building new states for a long while. Without the
bound nothing is counted past ``m``. Measured on the benchmark's chat with 100 staff
patterns (instructions, ``valgrind``): an eighth less per short message while the set
warms, and a fifth less for an address set's first long messages; the price is a rare
exact run when only the open form matched.
"""

from __future__ import annotations

import re

_BOUNDED = re.compile(r"\{(\d+),(\d+)\}")


def relaxed(pattern: str) -> str:
    """``pattern`` with every ``{m,n}`` quantifier written ``{m,}``; everything else,
    including braces inside character classes, escapes and ``\\Q…\\E``, as it was."""
    out: list[str] = []
    index, length, in_class = 0, len(pattern), False
    while index < length:
        char = pattern[index]
        if char == "\\":
            stop = index + 2
            if pattern.startswith("\\Q", index):
                end = pattern.find("\\E", index + 2)
                stop = length if end < 0 else end + 2
            out.append(pattern[index:stop])
            index = stop
            continue
        if in_class:
            if pattern.startswith("[:", index):  # a POSIX class: [:alpha:]
                end = pattern.find(":]", index + 2)
                stop = length if end < 0 else end + 2
                out.append(pattern[index:stop])
                index = stop
                continue
            in_class = char != "]"
            out.append(char)
            index += 1
            continue
        if char == "[":
            start = index + 1
            start += 1 if pattern.startswith("^", start) else 0
            start += 1 if pattern.startswith("]", start) else 0  # "]" first is literal
            out.append(pattern[index:start])
            index, in_class = start, True
            continue
        bounded = _BOUNDED.match(pattern, index) if char == "{" else None
        if bounded is not None:
            out.append("{" + bounded.group(1) + ",}")
            index = bounded.end()
            continue
        out.append(char)
        index += 1
    return "".join(out)
