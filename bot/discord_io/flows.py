"""Interaction flows shared by slash commands, context menus and persistent buttons.

Each flow: work out who is acting, call one service, answer privately. Domain errors
propagate to the caller's single error handler.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.core.durations import parse_duration
from bot.core.errors import CocBotError, InvalidInput
from bot.core.identity import MessageRef, PersonRef
from bot.core.models import IncidentKind, SanctionScope
from bot.core.services import IncidentDraft, ReportDraft, SuspensionRequest
from bot.core.services.sanctions import parse_scope
from bot.discord_io import refs
from bot.discord_io.context import (
    actor_of,
    app_of,
    person_of,
    settings_of,
    standing_of_id,
)

CITABLE_SECTIONS = ("dont", "do")


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


def clause_choices(interaction: discord.Interaction) -> list[tuple[str, str]]:
    code = app_of(interaction).settings.code
    ordered = sorted(code.clauses, key=lambda c: CITABLE_SECTIONS.index(c.section.value)
                     if c.section.value in CITABLE_SECTIONS else 9)
    return [(c.id, c.title) for c in ordered]


async def submit_report(interaction: discord.Interaction, draft: ReportDraft) -> None:
    services = app_of(interaction).services
    await thinking(interaction)
    report = await services.reports.submit(actor_of(interaction).person, draft)
    await answer(interaction, services.reports.acknowledgement(report))


async def triage(interaction: discord.Interaction, action: str, ref: str) -> None:
    from bot.discord_io.views import clause_view

    services = app_of(interaction).services
    actor = actor_of(interaction)
    if action in ("dismiss", "badfaith", "escalate"):
        await thinking(interaction)
    if action in ("dismiss", "badfaith"):
        report = await services.reports.dismiss(actor, ref, bad_faith=action == "badfaith")
        await _mark_queue(interaction, f"{report.status.value.replace('_', ' ')} by "
                                       f"{interaction.user.mention}")
        await answer(interaction, f"Report {report.id} dismissed"
                                  f"{' in bad faith' if action == 'badfaith' else ''}.")
    elif action == "remove":
        report = await services.reports.get(actor, ref)
        if report.message is None:
            raise InvalidInput(f"Report {report.id} is about a person, not a message; "
                               "use Suspend or Escalate, or /remove with a message link.")
        await answer(interaction, "Which part of the Code did the message break?",
                     view=clause_view(report.id, clause_choices(interaction)))
    elif action == "suspend":
        report = await services.reports.get(actor, ref)
        if report.target is None:
            raise InvalidInput(f"Report {report.id} names no person to suspend.")
        # A channel suspension from the queue is for the channel of the report, not the
        # staff queue the button sits in.
        await interaction.response.send_modal(SuspendModal(
            report.target, report.id, report.channel.id if report.channel else None))
    elif action == "escalate":
        case = await services.reports.escalate(actor, ref)
        await _mark_queue(interaction, f"escalated to case {case.id} by "
                                       f"{interaction.user.mention}")
        await answer(interaction, f"Case {case.id} opened for the committee.")


async def _mark_queue(interaction: discord.Interaction, outcome: str) -> None:
    """Show the outcome on the queue message and take its buttons away."""
    message = interaction.message
    if message is None:
        return
    await message.edit(content=f"{message.content}\n\n✅ {outcome}"[:2000], view=None)


async def remove_with_clause(interaction: discord.Interaction, target: str,
                             clause_id: str, *, confirmed: bool = False) -> None:
    services = app_of(interaction).services
    actor = actor_of(interaction)
    await interaction.response.defer(ephemeral=True, thinking=True)
    if target.startswith("R-"):
        report = await services.reports.get(actor, target)
        if report.message is None or report.target is None:
            raise InvalidInput(f"Report {report.id} has no message to remove.")
        draft = IncidentDraft(subject=report.target, kind=IncidentKind.REMOVAL,
                              clause_id=clause_id, message=report.message,
                              excerpt=report.message_excerpt, report_id=report.id,
                              target_standing=standing_of_id(interaction,
                                                             int(report.target.id)),
                              confirmed=confirmed)
    else:
        message, author = _decode_message_target(interaction, target)
        draft = IncidentDraft(subject=author, kind=IncidentKind.REMOVAL, clause_id=clause_id,
                              message=message,
                              target_standing=standing_of_id(interaction, int(author.id)),
                              confirmed=confirmed)
    outcome = await services.incidents.handle(actor, draft)
    note = "" if outcome.incident.dm_delivered else \
        " Their DMs are closed, so staff were asked to contact them another way."
    extra = f" Repeated incidents opened case {outcome.escalated.id}." if outcome.escalated \
        else ""
    await answer(interaction, f"Removed. Incident {outcome.incident.id} recorded and the "
                              f"committee informed.{note}{extra}")


def encode_message_target(message: discord.Message) -> str:
    return f"m:{message.channel.id}:{message.id}:{message.author.id}"


def _decode_message_target(interaction: discord.Interaction,
                           target: str) -> tuple[MessageRef, PersonRef]:
    try:
        _, channel, message, author = target.split(":")
        guild = settings_of(interaction).guild_id
        return (refs.message_ref(guild, int(channel), int(message)),
                person_of(interaction, discord.Object(int(author))))
    except ValueError as exc:
        raise InvalidInput("That removal request is no longer valid; please start again.") \
            from exc


async def accept_code(interaction: discord.Interaction, version: str) -> None:
    services = app_of(interaction).services
    guild = settings_of(interaction).guild_id
    person = refs.person(guild, interaction.user)
    await services.code.accept(person, version)
    await answer(interaction, f"Thank you for accepting the Code of Conduct ({version}).")


async def apply_motion(interaction: discord.Interaction, motion: str) -> None:
    services = app_of(interaction).services
    await interaction.response.defer(ephemeral=True, thinking=True)
    sanction = await services.decisions.apply_sanction(actor_of(interaction), motion)
    await answer(interaction, f"Applied: suspension {sanction.id} "
                              f"(until {sanction.ends_at or 'permanent'}).")


class SuspendModal(discord.ui.Modal, title="Suspend"):
    duration: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Duration (30m, 12h, 7d, 2w or permanent)", max_length=20, default="7d")
    scope: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Scope: channel or server", max_length=10, default="server")
    clause: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Clause of the Code (id)", max_length=40, default="no-harassment")
    reason: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Reason (sent to the person)", style=discord.TextStyle.paragraph, max_length=1000)

    def __init__(self, subject: PersonRef, report_ref: str | None,
                 channel_id: str | None = None) -> None:
        super().__init__()
        self.subject, self.report_ref, self.channel_id = subject, report_ref, channel_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        from bot.discord_io.views import reply_error

        try:
            await suspend(interaction, self.subject, str(self.duration.value),
                          str(self.scope.value), str(self.reason.value), self.channel_id,
                          clause_id=str(self.clause.value), report_ref=self.report_ref)
        except CocBotError as exc:
            await reply_error(interaction, exc)


async def suspend(interaction: discord.Interaction, subject: PersonRef, duration: str,
                  scope: str, reason: str, channel_id: str | None, *,
                  clause_id: str = "no-harassment", report_ref: str | None = None,
                  confirmed: bool = False, standing: frozenset[Any] = frozenset()) -> None:
    services = app_of(interaction).services
    actor = actor_of(interaction)
    parsed_scope = parse_scope(scope, "server")
    parsed = parse_duration(duration)
    guild = settings_of(interaction).guild_id
    channel = refs.place(guild, int(channel_id)) if channel_id else None
    if parsed_scope is SanctionScope.CHANNEL and channel is None and interaction.channel_id:
        channel = refs.place(guild, interaction.channel_id)
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True, thinking=True)
    sanction = await services.sanctions.suspend(actor, SuspensionRequest(
        subject=subject, duration=parsed, scope=parsed_scope, reason=reason,
        clause_id=clause_id,
        channel=channel if parsed_scope is SanctionScope.CHANNEL else None,
        target_standing=standing, confirmed=confirmed, report_id=report_ref))
    delivered = "" if sanction.dm_delivered else \
        " Their DMs are closed: please tell them in writing another way."
    end = discord.utils.format_dt(sanction.ends_at, "F") if sanction.ends_at else "permanent"
    await answer(interaction, f"Suspended ({sanction.scope.value}) until {end}. "
                              f"Reference {sanction.id}.{delivered}")
