"""Discord's side of the flows in ``bot.core.flows``: who is acting, and how an
:class:`~bot.core.flows.Outcome` looks on Discord (ephemeral replies, selects, modals).

Shared by slash commands, context menus and persistent buttons. Domain errors propagate
to the caller's single error handler.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import discord

from bot.core.errors import CocBotError
from bot.core.flows import Outcome, SuspendForm
from bot.core.flows.code import CodeFlows
from bot.core.flows.committee import CommitteeFlows
from bot.core.flows.staff import (
    DEFAULT_CLAUSE,
    FORM_ACTIONS,
    StaffFlows,
)
from bot.core.identity import MessageRef, PersonRef, PlaceRef
from bot.core.models import Role
from bot.core.ports import SeenMessage
from bot.core.services import Services
from bot.discord_io import refs
from bot.discord_io.context import (
    actor_of,
    app_of,
    settings_of,
    standing_of,
    standing_of_id,
)
from bot.discord_io.links import DiscordLinkReader

F = TypeVar("F")


async def thinking(interaction: discord.Interaction) -> None:
    """Acknowledge now: Discord fails an interaction not answered within 3 seconds, and the
    work behind it (posting to a channel a 429 is holding up) can take longer."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)


async def answer(interaction: discord.Interaction, text: str, **kwargs: Any) -> None:
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(text, ephemeral=True, **kwargs)


class InteractionDirectory:
    """The flows' :class:`Directory` for one interaction: standing from the guild's roles,
    for the members the interaction resolved (``known``) or the guild's member cache."""

    def __init__(self, interaction: discord.Interaction, *known: discord.Member) -> None:
        self._interaction = interaction
        self._known = {member.id: member for member in known}

    async def standing(self, person: PersonRef) -> frozenset[Role]:
        """Standing in the person's own server, with that server's roles: a member of
        another configured server is judged there, never by this server's roles."""
        here = settings_of(self._interaction)
        if person.space != str(here.guild_id):
            return self._standing_elsewhere(person)
        member = self._known.get(int(person.id))
        if member is None:
            return standing_of_id(self._interaction, int(person.id))
        guild = self._interaction.guild
        return standing_of(member, here, guild.me if guild is not None else None)

    def _standing_elsewhere(self, person: PersonRef) -> frozenset[Role]:
        settings = app_of(self._interaction).settings.discord
        server = settings.server(person.space) if settings is not None else None
        guild = self._interaction.client.get_guild(int(person.space)) \
            if person.space.isdigit() else None
        member = guild.get_member(int(person.id)) if guild is not None else None
        if server is None or guild is None or member is None:
            return frozenset()
        return standing_of(member, server, guild.me)

    async def read_as(self, reader: PersonRef, message: MessageRef) -> SeenMessage | None:
        return await DiscordLinkReader(self._interaction.client).read_as(reader, message)

    async def members(self) -> list[PersonRef]:
        guild = self._interaction.client.get_guild(settings_of(self._interaction).guild_id)
        space = settings_of(self._interaction).guild_id
        return [refs.person(space, m) for m in guild.members if not m.bot] \
            if guild is not None else []


def staff_flows(interaction: discord.Interaction) -> StaffFlows:
    return StaffFlows(app_of(interaction).services)


def flows_of(interaction: discord.Interaction, kind: Callable[[Services], F]) -> F:
    """The flows of one kind (``RecordFlows``, ``CaseFlows``...) over the app's services."""
    return kind(app_of(interaction).services)


async def show(interaction: discord.Interaction, outcome: Outcome) -> None:
    """An outcome as Discord shows it: a modal, a clause select, or a private reply (in
    parts when long, an Accept button under the last); the queue message the action came
    from is marked done."""
    from bot.discord_io.platform import chunks  # the platform imports views, views this
    from bot.discord_io.views import AcceptButton, clause_view

    if outcome.form is not None:
        await interaction.response.send_modal(SuspendModal(outcome.form))
        return
    if outcome.queue_note is not None:
        await _mark_queue(interaction, outcome.queue_note)
    question = outcome.ask_clause
    if question is not None:
        await answer(interaction, question.prompt, view=clause_view(question.target,
                                                                    question.choices))
    elif outcome.text:
        parts = chunks(outcome.text)
        for part in parts[:-1]:
            await answer(interaction, part)
        if outcome.accept is None:
            await answer(interaction, parts[-1])
        else:
            view = discord.ui.View(timeout=None)
            view.add_item(AcceptButton(outcome.accept))
            await answer(interaction, parts[-1], view=view)


async def run(interaction: discord.Interaction, flow: Coroutine[Any, Any, Outcome]) -> None:
    """Acknowledge, run the flow, show its outcome: how a command without a form runs."""
    try:
        await thinking(interaction)
    except BaseException:
        flow.close()  # never started: say so, rather than leave it un-awaited
        raise
    await show(interaction, await flow)


async def triage(interaction: discord.Interaction, action: str, ref: str) -> None:
    if action not in FORM_ACTIONS:  # a modal must be the first answer, so no deferring
        await thinking(interaction)
    await show(interaction, await staff_flows(interaction).triage(
        actor_of(interaction), action, ref))


async def _mark_queue(interaction: discord.Interaction, outcome: str) -> None:
    """Show the outcome on the queue message and take its buttons away."""
    message = interaction.message
    if message is None:
        return
    await message.edit(content=f"{message.content}\n\n{outcome}"[:2000], view=None)


async def remove_with_clause(interaction: discord.Interaction, target: str, clause_id: str, *,
                             note: str | None = None, excerpt: str | None = None,
                             confirmed: bool = False) -> None:
    await thinking(interaction)
    await show(interaction, await staff_flows(interaction).remove_with_clause(
        actor_of(interaction), target, clause_id, InteractionDirectory(interaction),
        note=note, excerpt=excerpt, confirmed=confirmed))


async def accept_code(interaction: discord.Interaction, version: str) -> None:
    """The Accept button, in the server or in the DM asking to accept."""
    await run(interaction, CodeFlows(app_of(interaction).services).accept(
        actor_of(interaction).person, version))


async def apply_motion(interaction: discord.Interaction, motion: str) -> None:
    await run(interaction, CommitteeFlows(app_of(interaction).services).apply(
        actor_of(interaction), motion))


class SuspendModal(discord.ui.Modal, title="Suspend"):
    duration: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Duration (30m, 12h, 7d, 2w or permanent)", max_length=20)
    scope: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Scope: channel or server", max_length=10, default="server")
    clause: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Clause of the Code (id)", max_length=40)
    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Reason (sent to the person)", style=discord.TextStyle.paragraph, max_length=1000)

    def __init__(self, form: SuspendForm) -> None:
        super().__init__()
        self.form = form
        self.duration.default = form.default_duration
        self.clause.default = form.default_clause

    async def on_submit(self, interaction: discord.Interaction) -> None:
        from bot.discord_io.views import reply_error

        form = self.form
        try:
            await suspend(interaction, form.subject, duration=str(self.duration.value),
                          scope=str(self.scope.value), reason=str(self.reason.value),
                          here=form.channel, clause_id=str(self.clause.value),
                          report_ref=form.report_ref)
        except CocBotError as exc:
            await reply_error(interaction, exc)


async def suspend(interaction: discord.Interaction, subject: PersonRef, *, duration: str,
                  scope: str, reason: str, here: PlaceRef | None,
                  clause_id: str = DEFAULT_CLAUSE, report_ref: str | None = None,
                  confirmed: bool = False, member: discord.Member | None = None,
                  review: str | None = None) -> None:
    """``here`` is the channel of a channel suspension; by default the one typed in."""
    if here is None and interaction.channel_id:
        here = refs.place(settings_of(interaction).guild_id, interaction.channel_id)
    await thinking(interaction)
    await show(interaction, await staff_flows(interaction).suspend(
        actor_of(interaction), subject,
        InteractionDirectory(interaction, *([member] if member else [])), duration=duration,
        scope=scope, reason=reason, here=here, clause_id=clause_id, report_ref=report_ref,
        confirmed=confirmed, review=review))
