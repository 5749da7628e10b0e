"""What a flow hands back to the front-end that ran it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.identity import PersonRef, PlaceRef


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of a select: the value the flow gets back, the label the person reads."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class ClauseQuestion:
    """Ask which clause of the Code to cite; the answer goes to ``remove_with_clause`` with
    ``target`` (a report reference or an encoded message), which is all the state needed,
    so the select keeps working after a restart."""

    target: str
    prompt: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True, slots=True)
class SuspendForm:
    """Open the suspension form for ``subject``; a channel suspension from the staff queue
    is for the reported channel (``channel``), not for the queue the button sits in."""

    subject: PersonRef
    report_ref: str | None
    channel: PlaceRef | None
    clauses: tuple[Choice, ...]
    default_clause: str
    default_duration: str = "7d"


@dataclass(frozen=True, slots=True)
class StatementForm:
    """Open the statement form for case ``case_id``, filled with the statement so far
    (``current``); the text may be ``limit`` characters long."""

    case_id: str
    current: str
    limit: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """The private reply (``text``) and, at most one each, the next steps to show.

    ``queue_note`` is appended to the staff-queue message the action came from, whose
    buttons are then taken away, so other staff see it is handled. ``accept`` offers the
    button accepting that version of the Code under the (last part of the) reply.
    """

    text: str | None = None
    queue_note: str | None = None
    ask_clause: ClauseQuestion | None = None
    form: SuspendForm | None = None
    accept: str | None = None
    statement: StatementForm | None = None
