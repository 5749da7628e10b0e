"""Block Kit forms (modals) for staff and committee input that one line types badly.

Each input block's ``block_id`` is the name of the field the flows check
(``duration``, ``scope``, ``clause``, ``review``, ``confirm``, ``person``, ``office``,
``seat``, ``start``, ``case``, ``text``, ``statement``, ``action``), so a refusal from a
flow's check lands beside the field at fault (``response_action: errors``). Each
element's ``action_id`` is ``value`` (read back with
:func:`bot.slack_io.blocks.view_value`). What a form needs after a restart rides in
``private_metadata``: nothing is kept in memory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.core.flows import Choice
from bot.slack_io.blocks import Block, clip, input_block, option, text_input

SUSPEND_VIEW = "coc_suspend"
MOTION_VIEW = "coc_motion"
APPOINT_VIEW = "coc_appoint"
CASE_VIEW = "coc_case"
OFFICES = (("committee", "Member Review Committee"), ("counsel", "Legal counsel"),
           ("executive", "Executive Committee"))
CASE_ACTIONS = (("open", "Open a case about a person"), ("show", "Show a case"),
                ("file", "Send me the case file (by DM)"),
                ("communicated", "Record that the decision reached the person"),
                ("close", "Close a case without a decision"))
SEVERITIES = (("serious", "Serious"), ("severe", "Severe"))


def _modal(callback_id: str, title: str, submit: str, metadata: dict[str, str],
           blocks: list[Block]) -> Block:
    return {"type": "modal", "callback_id": callback_id,
            "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": submit},
            "close": {"type": "plain_text", "text": "Cancel"},
            "private_metadata": json.dumps(metadata), "blocks": blocks}


def _select(options: Sequence[tuple[str, str]], initial: str | None = None,
            placeholder: str = "Choose") -> Block:
    made = [option(value, label) for value, label in options[:100]]
    select: Block = {"type": "static_select", "action_id": "value", "options": made,
                     "placeholder": {"type": "plain_text", "text": placeholder}}
    chosen = [o for o in made if o["value"] == initial]
    if chosen:
        select["initial_option"] = chosen[0]
    return select


def _person(label: str, optional: bool = False) -> Block:
    return input_block("person", label, {"type": "users_select", "action_id": "value"}, optional)


def _confirm(label: str) -> Block:
    return input_block("confirm", "Confirm", {"type": "checkboxes", "action_id": "value",
                                         "options": [option("yes", label)]}, optional=True)


def _clauses(clauses: Sequence[Choice]) -> list[tuple[str, str]]:
    return [(c.value, c.label) for c in clauses]


def suspend_modal(metadata: dict[str, str], clauses: Sequence[Choice], duration: str,
                  default_clause: str, *, pick_person: bool, confirm: bool) -> Block:
    """The suspension form: the person (when not already known from a report), duration,
    scope, clause, reason; the confirm box when the person may hold a protected role."""
    blocks = [_person("Who")] if pick_person else []
    blocks += [input_block("duration", "Duration (30m, 12h, 7d, 2w or permanent)",
                      text_input("value", initial=duration, max_length=20)),
               input_block("scope", "Scope", _select(
                   [("space", "Every channel the bot manages"),
                    ("channel", "Only the channel of the report" if not pick_person
                     else "Only this channel")], "space")),
               input_block("clause", "Part of the Code", _select(_clauses(clauses),
                                                            default_clause)),
               input_block("reason", "Reason (sent to the person)",
                      text_input("value", multiline=True, max_length=1000)),
               _review()]
    if confirm:
        blocks.append(_confirm("Yes: suspend even if they are staff, committee, counsel "
                               "or on the Executive Committee"))
    return _modal(SUSPEND_VIEW, "Suspend", "Suspend", metadata, blocks)


def motion_modal(metadata: dict[str, str], cases: Sequence[tuple[str, str]],
                 clauses: Sequence[Choice], default_clause: str, statement_limit: int) -> Block:
    """A motion on one of the open cases the member may act on; a suspension duration
    makes it a motion that can be applied with one click once carried (a permanent one
    with its review period); a public statement is voted on with it."""
    return _modal(MOTION_VIEW, "Put a motion", "Put to the vote", metadata, [
        input_block("case", "Case", _select(cases, cases[0][0] if len(cases) == 1 else None,
                                       "Choose a case")),
        input_block("text", "The motion", text_input("value", multiline=True)),
        input_block("duration", "Suspension it decides, if any (30d, 2w, permanent)",
               text_input("value", max_length=20), optional=True),
        input_block("clause", "Part of the Code it cites (with a suspension)",
               _select(_clauses(clauses), default_clause), optional=True),
        _review(),
        input_block("statement", "Public statement, if any (published only if the motion "
                                 "carries and is not overruled)",
                    text_input("value", multiline=True, max_length=statement_limit),
                    optional=True)])


def _review() -> Block:
    return input_block("review", "Review after, for a permanent suspension (1y, 6mo, 90d)",
                       text_input("value", max_length=20), optional=True)


def appoint_modal(metadata: dict[str, str], seats: int) -> Block:
    """Seat a committee member, counsel or an executive; the term starts today unless a
    date is given."""
    return _modal(APPOINT_VIEW, "Appoint", "Appoint", metadata, [
        _person("Who"),
        input_block("office", "Office", _select(OFFICES, "committee")),
        input_block("seat", "Committee seat (default: the first empty one)",
               _select([(str(n), f"Seat {n}") for n in range(1, seats + 1)]), optional=True),
        input_block("start", "Term start (default: today)",
               {"type": "datepicker", "action_id": "value"}, optional=True),
        _confirm("Yes: appoint even if too many terms would end in one fiscal year")])


def case_modal(metadata: dict[str, str]) -> Block:
    """Open, show, mark communicated or close a case; the fields an action needs are
    checked on submission, beside the field."""
    return _modal(CASE_VIEW, "Case", "Go", metadata, [
        input_block("action", "What to do", _select(CASE_ACTIONS, "show")),
        input_block("case", "Case reference (C-…), except to open one",
               text_input("value", max_length=40), optional=True),
        _person("The person (to open a case)", optional=True),
        input_block("severity", "Severity (to open a case)", _select(SEVERITIES, "serious"),
               optional=True),
        input_block("text", "Summary (to open) or reason (to close)",
               text_input("value", multiline=True, max_length=1500), optional=True)])


def case_label(ref: str, summary: str) -> str:
    return clip(f"{ref}: {summary}", 75)
