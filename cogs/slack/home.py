"""The App Home tab: published afresh each time a person opens it (no polling), and its
buttons.

A button on the home tab comes with no ``response_url`` and no channel, so its replies
go to the person's DM with the bot; the home is then published again, so what was
handled leaves it. (The report's message in the staff queue keeps its buttons: the bot
does not record where it posted it. A second click there is refused by the service, as
the report is no longer open.)
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext

from bot.core.errors import CocBotError
from bot.core.flows import Outcome
from bot.core.flows.cases import CaseFlows
from bot.core.flows.code import CodeFlows
from bot.core.flows.home import ACCEPT, FORM, SHOW_CASE, TRIAGE, HomeFlows
from bot.core.identity import PlatformName
from bot.slack_io.context import SlackDeps, deps_of
from bot.slack_io.home_blocks import HOME_PREFIX, home_view
from cogs.slack import forms
from cogs.slack._common import Reply, guard, user_of, via_ephemeral
from cogs.slack.staff import show, staff_flows

log = logging.getLogger(__name__)


async def publish_home(deps: SlackDeps, user: str) -> None:
    view = await HomeFlows(deps.app.services).home(await deps.actor(user),
                                                   f"{PlatformName.SLACK.value}:{deps.team}")
    await deps.platform.publish_home(user, home_view(view))


async def home_opened(event: dict[str, Any], context: AsyncBoltContext) -> None:
    """``app_home_opened`` fires for the Messages tab too; only the Home tab is drawn."""
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    try:
        await publish_home(deps_of(context), str(event["user"]))
    except CocBotError as exc:
        log.warning("slack: the home of %s was not published: %s", event.get("user"), exc)


async def home_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                      context: AsyncBoltContext) -> None:
    await ack()
    deps = deps_of(context)
    user = user_of(body)
    reply = via_ephemeral(deps, None, user)
    kind = str(action["action_id"]).removeprefix(HOME_PREFIX)
    value = str(action.get("value") or "")
    async with guard(reply, "home button"):
        if kind == FORM:
            await _open_form(deps, body, value, reply)
            return
        outcome = await _act(deps, user, kind, value)
        await show(deps, body, outcome, reply)
    async with guard(reply, "home refresh"):
        await publish_home(deps, user)


async def _act(deps: SlackDeps, user: str, kind: str, value: str) -> Outcome:
    if kind.startswith(f"{TRIAGE}_"):
        return await staff_flows(deps).triage(await deps.actor(user),
                                              kind.removeprefix(f"{TRIAGE}_"), value)
    if kind == ACCEPT:
        return await CodeFlows(deps.app.services).accept(deps.person(user), value)
    if kind == SHOW_CASE:
        return await CaseFlows(deps.app.services).show(await deps.actor(user), value)
    return Outcome(text="That button is no longer supported.")


async def _open_form(deps: SlackDeps, body: dict[str, Any], form: str, reply: Reply) -> None:
    if form == "suspend":
        await forms.open_suspend(deps, body, None)
    elif form == "motion":
        await forms.open_motion(deps, body, None, reply)
    elif form == "appoint":
        await forms.open_appoint(deps, body, None)
    else:
        await forms.open_case(deps, body, None)


def register(bolt: AsyncApp) -> None:
    bolt.event("app_home_opened")(home_opened)
    bolt.action(re.compile(rf"^{HOME_PREFIX}[a-z_]+$"))(home_button)
