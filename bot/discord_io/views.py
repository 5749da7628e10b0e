"""Buttons and menus that keep working after a restart.

Their state lives in the ``custom_id`` (``coc:report:dismiss:R-7K3Q9AX``), parsed by
discord.py's ``DynamicItem``, so the bot needs no in-memory view to handle a click on a
message it posted last week.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.core.errors import CocBotError, InvalidInput
from bot.core.flows import Choice
from bot.core.ports import Notice, NoticeKind
from bot.discord_io import flows
from bot.discord_io.hearing import EndContactButton, StatementButton
from bot.discord_io.outcome_views import ITEMS as OUTCOME_ITEMS
from bot.discord_io.outcome_views import outcome_view

REF = r"[0-9A-Z]{7}"
TRIAGE = {"dismiss": ("Dismiss", discord.ButtonStyle.secondary),
          "badfaith": ("Dismiss in bad faith", discord.ButtonStyle.secondary),
          "remove": ("Remove content", discord.ButtonStyle.danger),
          "suspend": ("Suspend", discord.ButtonStyle.danger),
          "escalate": ("Escalate to committee", discord.ButtonStyle.primary)}


async def reply_error(interaction: discord.Interaction, exc: CocBotError) -> None:
    """The one place a domain error becomes a polite, private reply."""
    if interaction.response.is_done():
        await interaction.followup.send(str(exc), ephemeral=True)
    else:
        await interaction.response.send_message(str(exc), ephemeral=True)


class Answers:
    """The one callback of every persistent item: run :meth:`act`; a domain error becomes
    a polite private reply (slash commands get the same from ``CocTree.on_error``)."""

    async def act(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.act(interaction)
        except CocBotError as exc:
            await reply_error(interaction, exc)


class TriageButton(Answers, discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=rf"coc:report:(?P<action>[a-z]+):(?P<ref>R-{REF})"):
    def __init__(self, action: str, ref: str) -> None:
        label, style = TRIAGE[action]
        super().__init__(discord.ui.Button(label=label, style=style,
                                           custom_id=f"coc:report:{action}:{ref}"))
        self.action, self.ref = action, ref

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> TriageButton:
        if match["action"] not in TRIAGE:
            raise InvalidInput("Unknown action.")
        return cls(match["action"], match["ref"])

    async def act(self, interaction: discord.Interaction) -> None:
        await flows.triage(interaction, self.action, self.ref)


class AcceptButton(Answers, discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"coc:accept:(?P<version>v\d+)"):
    def __init__(self, version: str) -> None:
        super().__init__(discord.ui.Button(label="Accept", style=discord.ButtonStyle.success,
                                           custom_id=f"coc:accept:{version}"))
        self.version = version

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> AcceptButton:
        return cls(match["version"])

    async def act(self, interaction: discord.Interaction) -> None:
        await flows.accept_code(interaction, self.version)


class ApplyButton(Answers, discord.ui.DynamicItem[discord.ui.Button[Any]],
                  template=rf"coc:apply:(?P<motion>M-{REF})"):
    def __init__(self, motion: str) -> None:
        super().__init__(discord.ui.Button(label="Apply the decided suspension",
                                           style=discord.ButtonStyle.danger,
                                           custom_id=f"coc:apply:{motion}"))
        self.motion = motion

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> ApplyButton:
        return cls(match["motion"])

    async def act(self, interaction: discord.Interaction) -> None:
        await flows.apply_motion(interaction, self.motion)


class ClauseSelect(Answers, discord.ui.DynamicItem[discord.ui.Select[Any]],
                   template=r"coc:rm:(?P<target>[\w:-]+)"):
    """Choose the clause to cite when removing; ``target`` is a report ref or a message."""

    def __init__(self, target: str, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(discord.ui.Select(placeholder="Which part of the Code was broken?",
                                           options=options or [discord.SelectOption(label="-")],
                                           custom_id=f"coc:rm:{target}"))
        self.target = target

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> ClauseSelect:
        return cls(match["target"])

    async def act(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or []
        await flows.remove_with_clause(interaction, self.target, str(values[0]))


PERSISTENT: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    TriageButton, AcceptButton, ApplyButton, ClauseSelect, StatementButton, EndContactButton,
    *OUTCOME_ITEMS)


def view_for(notice: Notice) -> discord.ui.View | None:
    """The buttons a notice needs, if any."""
    view = discord.ui.View(timeout=None)
    if notice.kind is NoticeKind.REPORT_QUEUED and notice.subject_id:
        for action in TRIAGE:
            view.add_item(TriageButton(action, notice.subject_id))
    elif notice.kind is NoticeKind.CODE_ACCEPT_PROMPT and notice.subject_id:
        view.add_item(AcceptButton(notice.subject_id))
    elif notice.kind is NoticeKind.SANCTION_READY and notice.subject_id:
        view.add_item(ApplyButton(notice.subject_id))
    elif notice.kind is NoticeKind.STATEMENT_REQUEST and notice.subject_id:
        view.add_item(StatementButton(notice.subject_id))
    elif notice.kind is NoticeKind.CONTACT_OPENED and notice.subject_id:
        view.add_item(EndContactButton(notice.subject_id))
    else:
        return outcome_view(notice)
    return view


def clause_view(target: str, clauses: Sequence[Choice]) -> discord.ui.View:
    options = [discord.SelectOption(label=choice.label[:100], value=choice.value)
               for choice in clauses[:25]]
    view = discord.ui.View(timeout=None)
    view.add_item(ClauseSelect(target, options))
    return view
