"""Which workspace a Slack request comes from, and the token Bolt answers it with.

Two pieces, run by Bolt in this order for every request:

- :class:`TeamGuard` (Bolt's ``before_authorize``): a valid signature proves a request
  comes from Slack for this app, not from a workspace this bot moderates (an app can be
  installed in more than one, and people of another organisation act in shared channels).
  A request whose team is not configured, or that names none, is acked with an empty body
  and dropped before anything else runs: no token is looked up, nothing is claimed,
  nothing is answered or recorded.
- :class:`WorkspaceTokens` (Bolt's ``authorize``): the bot token of the request's
  workspace, checked once per workspace with ``auth.test`` (which also tells Bolt the
  bot's own user id there, so the bot's own messages are not handled as people's). A
  token that belongs to another workspace than the one it is configured for is refused
  and said loudly, rather than acting on one workspace with another's token.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)
RECHECK_SECONDS = 300.0


def request_label(body: dict[str, Any]) -> str:
    """What kind of request this is, for a log line (never what a person wrote)."""
    if "command" in body:
        return f"command {body['command']}"
    event = body.get("event")
    if isinstance(event, dict):
        return f"event {event.get('type')}"
    return str(body.get("type") or "request")


class TeamGuard:
    """Requests from a workspace that is not configured are acked and dropped.

    Said once per foreign team, not per request: an error while nothing has come from any
    configured team (``team_id`` is most likely wrong, and the bot is ignoring everyone),
    a warning otherwise (a shared channel or another installation). Later ones are
    counted at DEBUG only, so a busy workspace cannot flood the journal.
    """

    def __init__(self, teams: Collection[str]) -> None:
        self.teams = frozenset(teams)
        self.own_seen = False
        self.ignored: dict[str, int] = {}

    async def __call__(self, context: AsyncBoltContext, body: dict[str, Any],
                       next: Callable[[], Awaitable[Any]]) -> Any:
        if context.team_id in self.teams:
            self.own_seen = True
            return await next()
        self._note(context.team_id or "unknown", request_label(body))
        return BoltResponse(status=200, body="")

    def _note(self, team: str, kind: str) -> None:
        count = self.ignored[team] = self.ignored.get(team, 0) + 1
        configured = ", ".join(sorted(self.teams))
        if count > 1:
            log.debug("slack: ignored %s from team %s (%d so far)", kind, team, count)
        elif not self.own_seen:
            log.error("slack: requests are arriving from workspace %s, but the configured "
                      "team_id is %s, so every one is ignored. If %s is a workspace this "
                      "bot moderates, set team_id = \"%s\" in the config (in [slack], or in "
                      "a [[slack.workspaces]] entry) and restart.",
                      team, configured, team, team)
        else:
            log.warning("slack: ignoring requests from workspace %s (a shared channel or "
                        "another installation); this bot serves %s.", team, configured)


class WorkspaceTokens:
    """Bolt's ``authorize``: each configured workspace's bot token, by team id.

    A token Slack refuses, or one of another workspace, is checked again only after
    :data:`RECHECK_SECONDS`: a broken token costs one ``auth.test`` and one error line
    every few minutes, not one per request (a person is told, by Bolt, with the
    ``workspace_unavailable`` template).
    """

    def __init__(self, clients: Mapping[str, AsyncWebClient]) -> None:
        self._clients = dict(clients)
        self._checked: dict[str, AuthorizeResult] = {}
        self._refused: dict[str, float] = {}  # team -> when its token was last refused

    def authorize(self) -> Callable[[str | None], Awaitable[AuthorizeResult | None]]:
        """The function Bolt calls (Bolt passes arguments by the names a plain function
        declares, so a bound method's ``self`` would confuse it)."""
        async def authorize(team_id: str | None) -> AuthorizeResult | None:
            return await self.token_for(team_id)
        return authorize

    async def token_for(self, team_id: str | None) -> AuthorizeResult | None:
        client = self._clients.get(team_id or "")
        if team_id is None or client is None:
            return None  # TeamGuard drops these first; never answer with another's token
        found = self._checked.get(team_id)
        if found is None:
            refused = self._refused.get(team_id)
            if refused is not None and time.monotonic() - refused < RECHECK_SECONDS:
                return None
            found = await self._check(team_id, client)
            if found is None:
                self._refused[team_id] = time.monotonic()
                return None
            self._checked[team_id] = found
        return found

    async def _check(self, team_id: str, client: AsyncWebClient) -> AuthorizeResult | None:
        try:
            response = await client.auth_test()
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else "error"
            log.error("slack: the bot token configured for workspace %s is refused by Slack "
                      "(%s); requests from it are not handled until it is replaced.",
                      team_id, error)
            return None
        if response.get("team_id") != team_id:
            log.error("slack: the bot token configured for workspace %s belongs to workspace "
                      "%s; requests from %s are not handled. Give each workspace its own "
                      "installation's token.", team_id, response.get("team_id"), team_id)
            return None
        return AuthorizeResult.from_auth_test_response(bot_token=client.token,
                                                       auth_test_response=response)
