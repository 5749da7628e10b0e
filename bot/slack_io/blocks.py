"""Block Kit for the bot's messages, buttons, selects and modals.

Buttons carry everything they need in ``action_id`` and ``value`` (``coc_triage_dismiss``
with the report reference as value), so a click on a message posted before a restart
is handled exactly like a fresh one: there is no in-memory state to lose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from bot.core.flows import Choice
from bot.core.markup import ZWJ
from bot.core.ports import Notice, NoticeKind
from bot.core.services.wishes import WISH_LABELS

Block = dict[str, Any]

TRIAGE = {"dismiss": ("Dismiss", None), "badfaith": ("Dismiss in bad faith", None),
          "remove": ("Remove", "danger"), "suspend": ("Suspend", "danger"),
          "escalate": ("Escalate", "primary")}
TRIAGE_PREFIX = "coc_triage_"
ACCEPT = "coc_accept"
APPLY = "coc_apply"
CLAUSE_SELECT = "coc_rm_clause"
CLAUSE_BLOCK_PREFIX = "coc_rm:"
REPORT_VIEW = "coc_report"
STATEMENT = "coc_statement"  # the subject's button: open the statement form (value: case)
STATEMENT_VIEW = "coc_statement_view"
END_CONTACT = "coc_end_contact"  # either side ends a relayed conversation (value: case)
PUBLISH = "coc_publish"  # staff: publish a decided motion's public statement (value: motion)
WISHES = "coc_wishes"  # the reporter's choice of outcomes (the case in block_id)
WISHES_BLOCK_PREFIX = "coc_wishes:"
WISH_NOTE = "coc_wish_note"
WISH_NOTE_VIEW = "coc_wish_note_view"
SECTION_LIMIT = 3000
TEXT_LIMIT = 39000
_INERT_LT = "<" + ZWJ
_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def mrkdwn(text: str) -> str:
    """The core writes Discord-style ``**bold**``; Slack's mrkdwn bolds with one ``*``.

    A ``<`` the core neutralised (followed by a zero-width joiner, ``bot.core.markup``) is
    written as Slack's own escape ``&lt;``: Slack shows it as ``<`` and never reads a
    control sequence (``<!channel>``, ``<@U1>``, ``<url|words>``) from it.
    """
    return _BOLD.sub(r"*\1*", text).replace(_INERT_LT, "&lt;")


def chunks(text: str, size: int = 2900) -> list[str]:
    """A long reply in parts a section block accepts (at most 3000 characters)."""
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": {"type": "plain_text", "text": text},
                     "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}


def buttons_for(notice: Notice) -> list[Block] | None:
    """The action buttons a notice needs (the staff queue, Accept, Apply), if any."""
    ref = notice.subject_id
    if ref is None:
        return None
    if notice.kind is NoticeKind.REPORT_QUEUED:
        elements = [button(label, f"{TRIAGE_PREFIX}{action}", ref, style)
                    for action, (label, style) in TRIAGE.items()]
    elif notice.kind is NoticeKind.CODE_ACCEPT_PROMPT:
        elements = [button("Accept", ACCEPT, ref, "primary")]
    elif notice.kind is NoticeKind.SANCTION_READY:
        elements = [button("Apply the decided suspension", APPLY, ref, "danger")]
    elif notice.kind is NoticeKind.STATEMENT_REQUEST:
        elements = [button("Give or edit your statement", STATEMENT, ref, "primary")]
    elif notice.kind is NoticeKind.CONTACT_OPENED:
        elements = [button("End the conversation", END_CONTACT, ref)]
    elif notice.kind is NoticeKind.STATEMENT_READY:
        elements = [button("Publish the statement", PUBLISH, ref, "primary")]
    elif notice.kind is NoticeKind.WISHES_PROMPT:
        return wishes_actions(ref)
    else:
        return None
    return [{"type": "actions", "block_id": f"coc_actions:{ref}", "elements": elements}]


def wishes_actions(case: str) -> list[Block]:
    """The wishes question's choices (the case in ``block_id``) and the free-text button."""
    options = [option(wish.value, label) for wish, label in WISH_LABELS.items()]
    select = {"type": "multi_static_select", "action_id": WISHES, "options": options,
              "placeholder": {"type": "plain_text", "text": "What would you welcome?"}}
    return [{"type": "actions", "block_id": f"{WISHES_BLOCK_PREFIX}{case}",
             "elements": [select, button("Write it in my own words", WISH_NOTE, case)]}]


def wish_note_modal(case: str, channel: str, limit: int) -> Block:
    """The reporter's own words; the case and the DM channel ride in the metadata."""
    return {"type": "modal", "callback_id": WISH_NOTE_VIEW,
            "title": {"type": "plain_text", "text": "What would you welcome?"},
            "submit": {"type": "plain_text", "text": "Send to the committee"},
            "private_metadata": json.dumps({"case": case, "channel": channel}),
            "blocks": [input_block("note", "In your own words",
                                   text_input("value", multiline=True, max_length=limit))]}


def message_blocks(text: str, notice: Notice) -> list[Block] | None:
    actions = buttons_for(notice)
    return None if actions is None else [section(text), *actions]


def clause_select(target: str, prompt: str, clauses: Sequence[Choice]) -> list[Block]:
    """A select of the Code's clauses; ``target`` (report or message) rides in block_id."""
    options = [{"text": {"type": "plain_text", "text": clip(c.label, 75)}, "value": c.value}
               for c in clauses[:100]]
    return [section(prompt),
            {"type": "actions", "block_id": f"{CLAUSE_BLOCK_PREFIX}{target}",
             "elements": [{"type": "static_select", "action_id": CLAUSE_SELECT,
                           "placeholder": {"type": "plain_text", "text": "Choose a clause"},
                           "options": options}]}]


def accept_blocks(text: str, version: str) -> list[Block]:
    return [section(text), {"type": "actions", "block_id": f"coc_actions:{version}",
                            "elements": [button("Accept", ACCEPT, version, "primary")]}]


def input_block(block_id: str, label: str, element: Block, optional: bool = False) -> Block:
    return {"type": "input", "block_id": block_id, "optional": optional,
            "label": {"type": "plain_text", "text": label}, "element": element}


def text_input(action_id: str, multiline: bool = False, initial: str | None = None,
                max_length: int = 1500) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": action_id,
                      "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial
    return element


def option(value: str, text: str) -> Block:
    return {"text": {"type": "plain_text", "text": clip(text, 75)}, "value": value}


def report_modal(metadata: dict[str, str], with_target: bool) -> Block:
    """Reason and anonymity; from ``/report`` also who or which message (link)."""
    blocks: list[Block] = []
    if with_target:
        blocks.append(input_block("target", "Who are you reporting? (optional)",
                             {"type": "users_select", "action_id": "value"}, optional=True))
        blocks.append(input_block("link", "Link to the message (optional)",
                             text_input("value", max_length=300), optional=True))
    blocks.append(input_block("reason", "What happened?", text_input("value", multiline=True)))
    blocks.append(input_block("anonymous", "Anonymity", {
        "type": "checkboxes", "action_id": "value",
        "options": [option("yes", "Stay anonymous, even to staff")]}, optional=True))
    return {"type": "modal", "callback_id": REPORT_VIEW,
            "title": {"type": "plain_text", "text": "Report to staff"},
            "submit": {"type": "plain_text", "text": "Send privately"},
            "private_metadata": json.dumps(metadata), "blocks": blocks}


def statement_modal(case_id: str, current: str, limit: int, channel: str) -> Block:
    """The subject's statement, prefilled with the one they gave (to edit it)."""
    return {"type": "modal", "callback_id": STATEMENT_VIEW,
            "title": {"type": "plain_text", "text": "Your statement"},
            "submit": {"type": "plain_text", "text": "Send to the committee"},
            "private_metadata": json.dumps({"case": case_id, "channel": channel}),
            "blocks": [section(f"Case {case_id}: your side, for the Member Review Committee. "
                               "You can edit it until the decision is communicated."),
                       input_block("statement", "Your statement",
                                   text_input("value", multiline=True, initial=current or None,
                                              max_length=limit))]}


def view_value(values: dict[str, Any], block: str) -> str | None:
    """The submitted value of an input block (text, user, select or checkbox)."""
    field = (values.get(block) or {}).get("value") or {}
    if field.get("type") == "checkboxes":
        return ",".join(o["value"] for o in field.get("selected_options") or []) or None
    if field.get("type") == "users_select":
        return field.get("selected_user") or None
    if field.get("type") == "datepicker":
        return field.get("selected_date") or None
    if field.get("type") == "static_select":
        selected = field.get("selected_option") or {}
        return selected.get("value") or None
    value = field.get("value")
    return str(value) if value else None
