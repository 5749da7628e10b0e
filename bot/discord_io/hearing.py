"""Discord's side of hearing the subject: the statement button and form in their DM, and
the button that ends a relayed conversation. Both keep working after a restart (their state
is the case reference in the ``custom_id``)."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.core.errors import CocBotError
from bot.core.flows import StatementForm
from bot.core.flows.relay import RelayFlows
from bot.core.flows.statements import StatementFlows
from bot.discord_io import flows
from bot.discord_io.context import actor_of, app_of

CASE = r"C-[0-9A-Z]{7}"


async def _error(interaction: discord.Interaction, exc: CocBotError) -> None:
    from bot.discord_io.views import reply_error  # views import this module

    await reply_error(interaction, exc)


class StatementModal(discord.ui.Modal, title="Your statement"):
    text: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your side, for the committee", style=discord.TextStyle.paragraph)

    def __init__(self, form: StatementForm) -> None:
        super().__init__(title=f"Your statement on case {form.case_id}"[:45])
        self.case_id = form.case_id
        self.text.max_length = form.limit  # Discord's own limit for a text input is 4000
        self.text.default = form.current or None

    async def on_submit(self, interaction: discord.Interaction) -> None:
        try:
            await flows.thinking(interaction)
            outcome = await StatementFlows(app_of(interaction).services).submit(
                actor_of(interaction), self.case_id, str(self.text.value))
            await flows.answer(interaction, outcome.text or "")
        except CocBotError as exc:
            await _error(interaction, exc)


class StatementButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                      template=rf"coc:statement:(?P<case>{CASE})"):
    def __init__(self, case: str) -> None:
        super().__init__(discord.ui.Button(label="Give or edit your statement",
                                           style=discord.ButtonStyle.primary,
                                           custom_id=f"coc:statement:{case}"))
        self.case = case

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> StatementButton:
        return cls(match["case"])

    async def callback(self, interaction: discord.Interaction) -> None:
        """The form must be the first answer, so this is not deferred."""
        try:
            outcome = await StatementFlows(app_of(interaction).services).open_form(
                actor_of(interaction), self.case)
            if outcome.statement is not None:
                await interaction.response.send_modal(StatementModal(outcome.statement))
        except CocBotError as exc:
            await _error(interaction, exc)


class EndContactButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                       template=rf"coc:endcontact:(?P<case>{CASE})"):
    def __init__(self, case: str) -> None:
        super().__init__(discord.ui.Button(label="End the conversation",
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"coc:endcontact:{case}"))
        self.case = case

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> EndContactButton:
        return cls(match["case"])

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await flows.thinking(interaction)
            outcome = await RelayFlows(app_of(interaction).services).end(
                actor_of(interaction), self.case)
            await flows.answer(interaction, outcome.text or "")
        except CocBotError as exc:
            await _error(interaction, exc)
