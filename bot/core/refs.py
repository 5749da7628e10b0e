"""Short, unguessable reference numbers such as ``R-7K3Q9AX``.

They are typed by people (``/appeal C-...``), so the alphabet avoids look-alikes
(Crockford base32: no I, L, O, U), and they are random so that one reference does not
reveal how many reports exist or let someone guess another person's case.
"""

from __future__ import annotations

import secrets

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LENGTH = 7


def new_ref(prefix: str) -> str:
    return f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


def normalise_ref(text: str) -> str:
    """Accept what people type: lower case, spaces, ``O`` for ``0``."""
    cleaned = text.strip().upper().replace(" ", "")
    if "-" in cleaned:
        prefix, _, body = cleaned.partition("-")
        body = body.replace("O", "0").replace("I", "1").replace("L", "1")
        return f"{prefix}-{body}"
    return cleaned


KINDS = {"R": "report", "C": "case", "M": "motion", "A": "appeal", "I": "incident",
         "S": "sanction", "P": "appointment"}
"""What each reference prefix names; also the field names of references in JSON logs."""


def log_fields(*refs: str | None) -> dict[str, str]:
    """``extra=`` for a log record about these references: ``{"case": "C-…"}``, so a JSON
    log can be searched by reference. Anything that is not a reference is left out: log
    records carry ids, never payloads or personal data."""
    fields = {}
    for ref in refs:
        prefix, dash, _ = (ref or "").partition("-")
        if dash and prefix in KINDS:
            fields[KINDS[prefix]] = str(ref)
    return fields
