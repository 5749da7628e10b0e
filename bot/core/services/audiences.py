"""Who reads an audience's channel: a matter never goes where the person it is about reads it.

The services refuse every *action* by a party to a matter (``_committee.py``), but a post
in a private channel is read by everyone in it. A report about a member of staff posted
in the staff queue would show them that they were reported, the reporter's words and,
for a named report, the reporter; a case about a committee member discussed in a Slack
thread of the committee's channel would show them the deliberation. So, before a matter
is posted to an audience, the services ask here whether its subject is in that audience,
through any account linked to them (``/link``), on every platform those accounts are on.

The answer is one of three. ``UNKNOWN`` (a platform could not tell: an API failure, a
platform this process connects to that is not there yet) is treated like ``IN`` by every
caller: a matter is never posted where its subject may read it because a lookup failed.
"""

from __future__ import annotations

import logging
from enum import Enum

from bot.core.errors import PlatformError
from bot.core.identity import PersonRef, PlatformName, is_sealed
from bot.core.models import Appeal, Case
from bot.core.ports import Audience, Notice
from bot.core.refs import log_fields
from bot.core.services._committee import executive_free_of
from bot.core.services._context import (
    Context,
    Located,
    accounts_of,
    post_space,
    post_target,
    try_post,
    unseal,
)

log = logging.getLogger(__name__)


class Presence(Enum):
    """Whether a person is in an audience (reads its channel or holds its seat)."""

    IN = "in"
    OUT = "out"
    UNKNOWN = "unknown"  # a platform could not tell: treated as IN, never as OUT

    @property
    def keep_away(self) -> bool:
        """Whether a matter about this person must stay out of the audience's channel."""
        return self is not Presence.OUT


async def presence(ctx: Context, audience: Audience, person: PersonRef, *,
                   origin: Located | None = None) -> Presence:
    """Whether ``person``, through any linked account, is in ``audience``: where a matter
    from ``origin`` would be posted (its staff queue), and, for the staff, anywhere they
    are staff (a moderator of another server is a peer of those who would review them).

    A sealed person (an anonymous reporter a case is about) is resolved in the machine,
    never shown. Every account is asked; the first ``IN`` answers, and a failure makes
    the answer ``UNKNOWN`` unless another account is ``IN``.
    """
    async with ctx.storage.transaction() as tx:
        real = await unseal(tx, person) if is_sealed(person) else person
        accounts = await accounts_of(tx, real) if real is not None else []
    if not accounts:
        log.warning("audience %s: a sealed subject could not be resolved", audience.value)
        return Presence.UNKNOWN
    answer = Presence.OUT
    for account, space in _places(ctx, audience, accounts, origin):
        if not (ctx.platforms.has(account.platform)
                or account.platform in ctx.platforms.expected):
            continue  # a platform the bot does not serve: it has no channel there
        try:
            platform = ctx.platforms.get(account.platform)
            if await platform.in_audience(audience, account, space=space):
                return Presence.IN
        except PlatformError as exc:
            log.warning("could not tell whether a subject reads the %s channel (%s): kept "
                        "away from it", audience.value, type(exc).__name__)
            answer = Presence.UNKNOWN
    return answer


def _places(ctx: Context, audience: Audience, accounts: list[PersonRef],
            origin: Located | None) -> list[tuple[PersonRef, str | None]]:
    """(account, space) pairs to ask: each account where it is (its own staff queue, or
    the home's committee channel), and, on the platform a staff notice would go to, the
    queue of the matter's own server or workspace (a Discord account is one user in
    every server)."""
    pairs: list[tuple[PersonRef, str | None]] = [(a, None) for a in accounts]
    if audience is not Audience.STAFF or origin is None:
        return pairs
    try:
        target: PlatformName = post_target(ctx, origin, audience)
    except PlatformError:
        return pairs
    space = post_space(origin, audience)
    pairs += [(a, space) for a in accounts
              if a.platform is target and space is not None and a.space != space]
    return pairs


async def alert_staff_about(ctx: Context, case: Case, notice: Notice) -> bool:
    """A request to staff about ``case`` (its subject unreachable, an outcome to pass on,
    a suspension to adjust): to the staff queue, unless the case's subject reads it; then
    into the case's own private place, which follows the conflict rules (the committee
    free of conflict and counsel; never the subject). Nothing is posted where the subject
    reads it, even when the case has no private place (then it is logged for the
    operator, with ids only)."""
    if not (await presence(ctx, Audience.STAFF, case.subject, origin=case.subject)).keep_away:
        return await try_post(ctx, case.subject, Audience.STAFF, notice)
    if case.thread is None:
        log.warning("case %s: a staff alert was held back (its subject reads the staff "
                    "queue and the case has no private place)", case.id,
                    extra=log_fields(case.id))
        return False
    try:
        await ctx.platforms.get(case.thread.platform).post_in(case.thread, notice)
    except PlatformError as exc:
        log.warning("case %s: staff alert not posted in the case's place: %s", case.id,
                    exc, extra=log_fields(case.id))
        return False
    return True


async def post_appeal(ctx: Context, case: Case, appeal: Appeal, notice: Notice) -> bool:
    """A new appeal to the Executive Committee: its channel, unless the case's subject
    reads it (they sit on the Executive, or that cannot be told); then a private place of
    its own with the Executive members free of conflict in it, the appellant and the
    subject never among them."""
    origin = appeal.appellant or case.subject
    if not (await presence(ctx, Audience.EXECUTIVE, case.subject)).keep_away:
        return await try_post(ctx, origin, Audience.EXECUTIVE, notice)
    try:
        home = ctx.platforms.home
        async with ctx.storage.transaction() as tx:
            members = await executive_free_of(tx, case, appeal, ctx.now().date())
        await home.open_private_thread(
            Audience.EXECUTIVE, f"Appeal {appeal.id}",
            [m for m in members if m.platform is home.name], notice, separate=True)
    except PlatformError as exc:
        log.warning("appeal %s: its private place was not opened (its case's subject reads "
                    "the Executive's channel, so nothing was posted there): %s", appeal.id,
                    exc, extra=log_fields(appeal.id))
        return False
    return True

