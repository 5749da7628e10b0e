"""The App Home tab: a :class:`~bot.core.flows.home.HomeView` in Block Kit.

Every button carries what it acts on (``action_id`` says what, ``value`` the reference),
so a click on a home published before a restart works like a fresh one.
"""

from __future__ import annotations

from bot.core.flows.home import ACCEPT, FORM, SHOW_CASE, TRIAGE, HomeAction, HomeView
from bot.slack_io.blocks import TRIAGE as TRIAGE_BUTTONS
from bot.slack_io.blocks import Block, button, clip, mrkdwn, section

HOME_PREFIX = "coc_home_"
BLOCK_LIMIT = 100  # Slack's most blocks in one view
FORM_LABELS = {"suspend": "Suspend someone…", "case": "A case…", "appoint": "Appoint…",
               "motion": "Put a motion…"}


def _button(action: HomeAction) -> Block:
    if action.kind == TRIAGE:
        label, style = TRIAGE_BUTTONS[action.choice]
        return button(label, f"{HOME_PREFIX}{TRIAGE}_{action.choice}", action.value, style)
    if action.kind == ACCEPT:
        return button("Accept", f"{HOME_PREFIX}{ACCEPT}", action.value, "primary")
    if action.kind == SHOW_CASE:
        return button("Show", f"{HOME_PREFIX}{SHOW_CASE}", action.value)
    return button(FORM_LABELS.get(action.value, action.value), f"{HOME_PREFIX}{FORM}",
                  action.value)



def _actions(block_id: str, actions: tuple[HomeAction, ...]) -> Block:
    return {"type": "actions", "block_id": clip(block_id, 255),
            "elements": [_button(a) for a in actions[:25]]}


def home_view(view: HomeView) -> Block:
    """The home tab's view for ``views.publish``."""
    blocks: list[Block] = []
    for n, part in enumerate(view.sections):
        if n:
            blocks.append({"type": "divider"})
        blocks.append({"type": "header", "block_id": f"home:{part.key}",
                       "text": {"type": "plain_text", "text": clip(part.title, 150)}})
        blocks.append(section(mrkdwn(part.text)))
        if part.actions:
            blocks.append(_actions(f"home:{part.key}:forms", part.actions))
        for i, item in enumerate(part.items):
            blocks.append(section(mrkdwn(item.text)))
            if item.actions:
                blocks.append(_actions(f"home:{part.key}:{i}", item.actions))
    return {"type": "home", "blocks": blocks[:BLOCK_LIMIT]}
