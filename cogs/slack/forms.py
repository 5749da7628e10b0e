"""The forms (modals) for staff and committee input: suspend, motion, appoint, case.

``/suspend``, ``/motion``, ``/roster appoint`` and ``/case`` with nothing after them open
a form; the one-line forms stay as shortcuts. A submission is checked first by the flow's
own checks (``check_suspend``, ``check_motion``, ``check_appoint``, ``check_action``), and
refusals are shown beside the field at fault (``response_action: errors``), within
Slack's 3 seconds; only then is it acknowledged and handed to the same flow the one-line
command calls. A refusal that comes later (a permission, a conflict, a closed case) is an
ephemeral reply, like the command's.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.core.flows.cases import CaseFlows
from bot.core.flows.committee import DEFAULT_MOTION_CLAUSE, CommitteeFlows
from bot.core.flows.roster import RosterFlows
from bot.core.flows.staff import DEFAULT_CLAUSE, clause_choices
from bot.core.identity import PersonRef
from bot.core.services.public_statements import STATEMENT_LIMIT
from bot.slack_io import modals, refs
from bot.slack_io.blocks import view_value
from bot.slack_io.context import SlackDeps, deps_of
from cogs.slack._common import Reply, guard, user_of, via_ephemeral
from cogs.slack.staff import SlackDirectory, show, staff_flows

Values = dict[str, Any]


def _metadata(view: dict[str, Any]) -> dict[str, str]:
    loaded: dict[str, str] = json.loads(view.get("private_metadata") or "{}")
    return loaded


class _Once:
    """Bolt's ``ack`` called at most once: a submission refused beside its fields is
    acknowledged there; anything that goes wrong before that still closes the request."""

    def __init__(self, ack: AsyncAck) -> None:
        self._ack, self.done = ack, False

    async def __call__(self, **response: Any) -> None:
        if not self.done:
            self.done = True
            await self._ack(**response)


def _confirmed(values: Values) -> bool:
    return "yes" in (view_value(values, "confirm") or "")


async def refuse_fields(ack: _Once, view: dict[str, Any], found: dict[str, str],
                        reply: Reply) -> bool:
    """Acknowledge a submission: with the refusals beside their fields when there are any
    (the form stays open); True when it was refused. A refusal whose field the form does
    not show is acknowledged (the form closes) and told privately instead."""
    present = {str(b.get("block_id")) for b in view.get("blocks") or []}
    beside = {field: text for field, text in found.items() if field in present}
    if beside:
        await ack(response_action="errors", errors=beside)
        return True
    await ack()
    if found:
        await reply(" ".join(found.values()))
        return True
    return False


async def open_suspend(deps: SlackDeps, body: dict[str, Any], here: str | None) -> None:
    """The suspension form for anyone (``/suspend`` alone); refused to non-staff first."""
    staff_flows(deps).require_suspender(await deps.actor(user_of(body)))
    await deps.platform.open_view(str(body["trigger_id"]), modals.suspend_modal(
        {"q": here or "", "c": here or ""}, clause_choices(deps.app.settings.code), "7d",
        DEFAULT_CLAUSE, pick_person=True, confirm=True))


async def suspend_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any],
                            context: AsyncBoltContext) -> None:
    ack = _Once(ack)
    deps = deps_of(context)
    meta, values = _metadata(view), view["state"]["values"]
    reply = via_ephemeral(deps, meta.get("q") or None, user_of(body))
    subject_id = meta.get("s") or view_value(values, "person")
    if not subject_id:
        await ack(response_action="errors", errors={"person": "Please choose the person."})
        return
    subject = PersonRef.parse(meta["s"]) if meta.get("s") else deps.person(subject_id)
    here = refs.place(deps.team, meta["c"]) if meta.get("c") else None
    fields = {"duration": view_value(values, "duration") or "",
              "scope": view_value(values, "scope") or "space",
              "clause_id": view_value(values, "clause") or DEFAULT_CLAUSE,
              "review": view_value(values, "review") or ""}
    flows = staff_flows(deps)
    async with guard(reply, "suspend form"):
        found = await flows.check_suspend(subject, SlackDirectory(deps), here=here,
                                          confirmed=_confirmed(values), **fields)
        if await refuse_fields(ack, view, found, reply):
            return
        outcome = await flows.suspend(
            await deps.actor(user_of(body)), subject, SlackDirectory(deps), here=here,
            reason=view_value(values, "reason") or "", report_ref=meta.get("r") or None,
            confirmed=_confirmed(values), **fields)
        await show(deps, body, outcome, reply)
    await ack()


async def open_motion(deps: SlackDeps, body: dict[str, Any], here: str | None,
                      reply: Reply) -> None:
    """The motion form, offering only the open cases the member may act on."""
    flows = CommitteeFlows(deps.app.services)
    cases = await flows.movable_cases(await deps.actor(user_of(body)))
    if not cases:
        await reply(deps.app.services.ctx.messages.render("home_modal_no_cases"))
        return
    await deps.platform.open_view(str(body["trigger_id"]), modals.motion_modal(
        {"q": here or ""}, [(c.id, modals.case_label(c.id, c.summary)) for c in cases],
        clause_choices(deps.app.settings.code), DEFAULT_MOTION_CLAUSE, STATEMENT_LIMIT))


async def motion_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any],
                           context: AsyncBoltContext) -> None:
    ack = _Once(ack)
    deps = deps_of(context)
    values = view["state"]["values"]
    reply = via_ephemeral(deps, _metadata(view).get("q") or None, user_of(body))
    duration = view_value(values, "duration")
    clause = view_value(values, "clause") if duration else None
    terms = {"review": view_value(values, "review"),
             "statement": view_value(values, "statement")}
    flows = CommitteeFlows(deps.app.services)
    async with guard(reply, "motion form"):
        found = flows.check_motion(suspend_for=duration, clause=clause, **terms)
        if await refuse_fields(ack, view, found, reply):
            return
        outcome = await flows.motion(await deps.actor(user_of(body)),
                                     view_value(values, "case") or "",
                                     view_value(values, "text") or "",
                                     suspend_for=duration, clause=clause, **terms)
        await show(deps, body, outcome, reply)
    await ack()


async def open_appoint(deps: SlackDeps, body: dict[str, Any], here: str | None) -> None:
    await deps.platform.open_view(str(body["trigger_id"]), modals.appoint_modal(
        {"q": here or ""}, deps.app.settings.policy.committee_seats))


async def appoint_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any],
                            context: AsyncBoltContext) -> None:
    ack = _Once(ack)
    deps = deps_of(context)
    values = view["state"]["values"]
    reply = via_ephemeral(deps, _metadata(view).get("q") or None, user_of(body))
    office = view_value(values, "office") or ""
    seat_text, start = view_value(values, "seat"), view_value(values, "start")
    seat = int(seat_text) if seat_text and seat_text.isdigit() else None
    flows = RosterFlows(deps.app.services)
    async with guard(reply, "appoint form"):
        found = flows.check_appoint(office, seat=seat, term_start=start)
        if await refuse_fields(ack, view, found, reply):
            return
        outcome = await flows.appoint(
            await deps.actor(user_of(body)), deps.person(view_value(values, "person") or ""),
            office, seat=seat, term_start=start, confirmed=_confirmed(values))
        await show(deps, body, outcome, reply)
    await ack()


async def open_case(deps: SlackDeps, body: dict[str, Any], here: str | None) -> None:
    await deps.platform.open_view(str(body["trigger_id"]), modals.case_modal({"q": here or ""}))


async def case_submitted(ack: Any, body: dict[str, Any], view: dict[str, Any],
                         context: AsyncBoltContext) -> None:
    ack = _Once(ack)
    deps = deps_of(context)
    values = view["state"]["values"]
    reply = via_ephemeral(deps, _metadata(view).get("q") or None, user_of(body))
    person = view_value(values, "person")
    ref, text = view_value(values, "case") or "", view_value(values, "text") or ""
    subject = deps.person(person) if person else None
    action = view_value(values, "action") or ""
    flows = CaseFlows(deps.app.services)
    async with guard(reply, "case form"):
        found = flows.check_action(action, ref=ref, subject=subject, text=text)
        if await refuse_fields(ack, view, found, reply):
            return
        outcome = await flows.act(await deps.actor(user_of(body)), action,
                                  ref=ref, subject=subject, text=text,
                                  severity=view_value(values, "severity") or "serious")
        await show(deps, body, outcome, reply)
    await ack()


def register(bolt: AsyncApp) -> None:
    bolt.view(modals.SUSPEND_VIEW)(suspend_submitted)
    bolt.view(modals.MOTION_VIEW)(motion_submitted)
    bolt.view(modals.APPOINT_VIEW)(appoint_submitted)
    bolt.view(modals.CASE_VIEW)(case_submitted)

