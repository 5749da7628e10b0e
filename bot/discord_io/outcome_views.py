"""Discord's buttons, select and form for the outcome flows (``bot.core.flows.outcomes``):
staff publishing a statement the committee decided, and the reporter's wishes.

Like every persistent item here, state lives in the ``custom_id`` (the motion or case
reference), so a click on a message from before a restart works the same.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.core.errors import CocBotError
from bot.core.flows.outcomes import OutcomeFlows
from bot.core.ports import Notice, NoticeKind
from bot.core.services.wishes import NOTE_LIMIT, WISH_LABELS
from bot.discord_io import flows, refs
from bot.discord_io.context import actor_of, app_of, settings_of

REF = r"[0-9A-Z]{7}"


async def _failed(interaction: discord.Interaction, exc: CocBotError) -> None:
    from bot.discord_io.views import reply_error  # views imports this module

    await reply_error(interaction, exc)


def _flows(interaction: discord.Interaction) -> OutcomeFlows:
    return OutcomeFlows(app_of(interaction).services)


def _person(interaction: discord.Interaction):  # type: ignore[no-untyped-def]
    """The member as the guild knows them, also when they answer from a DM."""
    return refs.person(settings_of(interaction).guild_id, interaction.user)


class PublishButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                    template=rf"coc:publish:(?P<motion>M-{REF})"):
    def __init__(self, motion: str) -> None:
        super().__init__(discord.ui.Button(label="Publish the statement",
                                           style=discord.ButtonStyle.primary,
                                           custom_id=f"coc:publish:{motion}"))
        self.motion = motion

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> PublishButton:
        return cls(match["motion"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await flows.thinking(interaction)
            await flows.show(interaction, await _flows(interaction).publish_statement(
                actor_of(interaction), self.motion))
        except CocBotError as exc:
            await _failed(interaction, exc)


class WishSelect(discord.ui.DynamicItem[discord.ui.Select[Any]],
                 template=rf"coc:wish:(?P<case>C-{REF})"):
    def __init__(self, case: str) -> None:
        options = [discord.SelectOption(label=label, value=wish.value)
                   for wish, label in WISH_LABELS.items()]
        super().__init__(discord.ui.Select(placeholder="What would you welcome?",
                                           min_values=1, max_values=len(options),
                                           options=options, custom_id=f"coc:wish:{case}"))
        self.case = case

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> WishSelect:
        return cls(match["case"])

    async def callback(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = [str(v) for v in data.get("values") or []]
        try:
            await flows.thinking(interaction)
            await flows.show(interaction, await _flows(interaction).choose_wishes(
                _person(interaction), self.case, values))
        except CocBotError as exc:
            await _failed(interaction, exc)


class WishNoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                     template=rf"coc:wishnote:(?P<case>C-{REF})"):
    def __init__(self, case: str) -> None:
        super().__init__(discord.ui.Button(label="Write it in my own words",
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"coc:wishnote:{case}"))
        self.case = case

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> WishNoteButton:
        return cls(match["case"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(WishNoteModal(self.case))


class WishNoteModal(discord.ui.Modal, title="What would you welcome?"):
    note: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="In your own words", style=discord.TextStyle.paragraph, max_length=NOTE_LIMIT)

    def __init__(self, case: str) -> None:
        super().__init__()
        self.case = case

    async def on_submit(self, interaction: discord.Interaction) -> None:
        try:
            await flows.thinking(interaction)
            await flows.show(interaction, await _flows(interaction).write_wishes(
                _person(interaction), self.case, str(self.note.value)))
        except CocBotError as exc:
            await _failed(interaction, exc)


ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (PublishButton, WishSelect,
                                                        WishNoteButton)


def outcome_view(notice: Notice) -> discord.ui.View | None:
    """The components of a statement-ready notice or a wishes question, if it is one."""
    if notice.subject_id is None:
        return None
    view = discord.ui.View(timeout=None)
    if notice.kind is NoticeKind.STATEMENT_READY:
        view.add_item(PublishButton(notice.subject_id))
    elif notice.kind is NoticeKind.WISHES_PROMPT:
        view.add_item(WishSelect(notice.subject_id))
        view.add_item(WishNoteButton(notice.subject_id))
    else:
        return None
    return view
