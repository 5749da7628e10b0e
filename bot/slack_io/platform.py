"""One Slack workspace on the Web API: its bot token's client, its channels.

:class:`SlackWorkspace` implements the ``Platform`` port for the one workspace its token
belongs to; ``workspaces.SlackPlatform`` routes each call of the port to the workspace a
reference names (the committee's channels to the home workspace), and listeners get the
workspace a request came from.

Slack's limits shape what "the same action" means here, and each is said out loud:

- a bot token deletes only the bot's own messages; other people's need a workspace admin's
  user token (``SLACK_ADMIN_TOKEN``). Without it ``delete_message`` returns False and the
  core asks staff to delete by hand;
- a channel suspension is ``conversations.kick``, lifted by ``conversations.invite``;
  without Enterprise admin APIs a workspace-wide one covers every managed channel;
- threads cannot be private: a case thread is a message in the (private) committee
  channel, and members are "added" by being mentioned in it;
- a bot cannot remove another person's reaction, so an ineligible vote stays visible but
  is never counted, and the listener says so in the thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import DeliveryFailed, PlatformError, PlatformForbidden
from bot.core.identity import MessageRef, PersonRef, PlaceRef, PlatformName
from bot.core.markup import Trusted
from bot.core.models import Sanction, SanctionScope
from bot.core.ports import Attachment, Audience, ContextMessage, Notice, SeenMessage
from bot.core.rules.raid import Restraint
from bot.slack_io import audiences, history, refs, sent
from bot.slack_io.blocks import TEXT_LIMIT, Block, clip, message_blocks, mrkdwn
from bot.slack_io.errors import error_code, slack_call
from bot.slack_io.pacing import TIER_3, Pacer
from config.settings import SlackSettings

log = logging.getLogger(__name__)

EMOJI_NAMES = {"✅": "white_check_mark", "❌": "x", "➖": "heavy_minus_sign"}
NAME_EMOJI = {name: emoji for emoji, name in EMOJI_NAMES.items()}
GONE = ("message_not_found",)


class SlackWorkspace:
    """Everything the bot does in one workspace, with that workspace's token only (a
    token of workspace A cannot reach a channel of workspace B: ``channel_not_found``).
    ``home``: the committee meets here, so its private channels are this workspace's."""

    def __init__(self, client: AsyncWebClient, settings: SlackSettings,
                 admin: AsyncWebClient | None = None, deletes: Pacer | None = None, *,
                 home: bool = True) -> None:
        self._client = client
        self._admin = admin
        self._deletes = deletes or Pacer(*TIER_3)
        self._settings = settings
        self._audiences = {Audience.STAFF: settings.staff_queue_channel,
                           Audience.COMMITTEE: settings.committee_channel if home else None,
                           Audience.EXECUTIVE: settings.executive_channel if home else None}

    def _audience_channel(self, audience: Audience) -> str:
        channel = self._audiences[audience]
        if channel is None:
            raise PlatformForbidden(f"No {audience.value} channel is configured on Slack; "
                                    "set it in the home workspace's table ([committee] home).")
        return channel

    @property
    def name(self) -> PlatformName:
        return PlatformName.SLACK

    @property
    def client(self) -> AsyncWebClient:
        return self._client

    @property
    def admin_client(self) -> AsyncWebClient | None:
        """The workspace admin's user-token client (``SLACK_ADMIN_TOKEN``), if any."""
        return self._admin

    @property
    def can_delete_others(self) -> bool:
        return self._admin is not None

    @property
    def team(self) -> str:
        return self._settings.team_id

    @property
    def settings(self) -> SlackSettings:
        return self._settings

    def format_time(self, moment: datetime) -> str:
        """Slack renders ``<!date^...>`` in each reader's own time zone."""
        fallback = moment.strftime("%Y-%m-%d %H:%M UTC")
        return Trusted(
            f"<!date^{int(moment.timestamp())}^{{date_long_pretty}} at {{time}}|{fallback}>")

    def mention(self, person: PersonRef) -> Trusted:
        return Trusted(f"<@{person.id}>")

    async def _send(self, channel: str, text: str, *, thread_ts: str | None = None,
                    blocks: list[Block] | None = None, doing: str = "post a message",
                    outbox_id: str | None = None) -> str:
        body = clip(mrkdwn(text), TEXT_LIMIT)
        kwargs: dict[str, Any] = {"unfurl_links": False, "unfurl_media": False}
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        if blocks is not None:
            kwargs["blocks"] = blocks
        if outbox_id:  # so a retried send can recognise it (see sent.py)
            kwargs["metadata"] = sent.metadata(outbox_id)
        async with slack_call(doing):
            response = await self._client.chat_postMessage(channel=channel, text=body, **kwargs)
        return str(response["ts"])

    async def _post_notice(self, channel: str, notice: Notice,
                           thread_ts: str | None = None) -> MessageRef:
        if notice.nonce and notice.maybe_sent_since is not None and thread_ts is None:
            found = await sent.find_sent(self._client, channel, notice.nonce,
                                         notice.maybe_sent_since)
            if found is not None:
                log.info("outbox %s was already in %s: not sent again", notice.nonce[:8],
                         channel)
                return refs.message_ref(self.team, channel, found)
        text = mrkdwn(notice.text)
        ts = await self._send(channel, text, thread_ts=thread_ts,
                              blocks=message_blocks(text, notice), outbox_id=notice.nonce)
        if notice.attachments:
            await self._upload(channel, notice.attachments, thread_ts)
        return refs.message_ref(self.team, channel, ts)

    async def _upload(self, channel: str, files: Sequence[Attachment],
                      thread_ts: str | None) -> None:
        """Slack's external upload (files.getUploadURLExternal, the bytes to the URL it
        gives, files.completeUploadExternal sharing them in ``channel``); needs the
        ``files:write`` scope."""
        async with slack_call("send a file"):
            await self._client.files_upload_v2(
                channel=channel, thread_ts=thread_ts,
                file_uploads=[{"file": f.data, "filename": f.filename, "title": f.filename}
                              for f in files])

    async def open_dm(self, person: PersonRef) -> str:
        async with slack_call("open a direct message"):
            response = await self._client.conversations_open(users=person.id)
        return str(response["channel"]["id"])

    async def send_dm(self, person: PersonRef, notice: Notice) -> MessageRef:
        return await self._post_notice(await self.open_dm(person), notice)

    async def post(self, audience: Audience, notice: Notice, *,
                   space: str | None = None) -> MessageRef:
        return await self._post_notice(self._audience_channel(audience), notice)

    async def post_in(self, place: PlaceRef, notice: Notice) -> MessageRef:
        channel, thread_ts = refs.split_place(place)
        return await self._post_notice(channel, notice, thread_ts)

    async def edit(self, message: MessageRef, notice: Notice) -> None:
        text = clip(mrkdwn(notice.text), TEXT_LIMIT)
        blocks = message_blocks(text, notice)
        async with slack_call("update a message", ok=GONE):
            await self._client.chat_update(channel=message.channel, ts=message.id, text=text,
                                           blocks=blocks or [])

    async def delete_message(self, message: MessageRef) -> bool:
        """Other people's messages need the admin user token; without it, say False."""
        if self._admin is None:
            log.info("no SLACK_ADMIN_TOKEN: %s left for staff to delete", message.key)
            return False
        try:
            async with slack_call("delete the message", ok=GONE):
                await self._admin.chat_delete(channel=message.channel, ts=message.id)
        except PlatformForbidden as exc:
            log.warning("admin token could not delete %s: %s", message.key, exc)
            return False
        return True

    async def delete_messages(self, place: PlaceRef,
                              messages: Sequence[MessageRef]) -> set[MessageRef]:
        """Slack has no bulk delete: one ``chat.delete`` each with the admin token, paced
        to the method's tier (a raid must not spend the app's whole rate budget)."""
        gone: set[MessageRef] = set()
        for message in dict.fromkeys(messages):
            await self._deletes.wait()
            try:
                if await self.delete_message(message):
                    gone.add(message)
            except PlatformError as exc:
                log.warning("raid: could not delete %s: %s", message.key, exc)
        return gone

    async def restrain(self, place: PlaceRef, restraint: Restraint, slow_seconds: int) -> str:
        """Slack has no slow mode, and who may post in a channel is set only through
        Enterprise Grid's admin API: refused, so raid mode says so and goes on deleting."""
        raise PlatformForbidden(
            "Slack has no slow mode, and locking a channel needs Enterprise Grid admin APIs; "
            "set restraint = \"none\" in [raid] for a Slack workspace.")

    async def release(self, place: PlaceRef, undo: str) -> None:
        return None  # nothing was ever restrained on Slack

    async def read_context(self, message: MessageRef, before: int,
                           after: int) -> list[ContextMessage]:
        return await history.read_context(self._client, message, before, after)

    def check_restriction(self, sanction: Sanction) -> None:
        if sanction.scope is SanctionScope.CHANNEL:
            if sanction.channel is None or sanction.channel.id.startswith("D"):
                raise PlatformForbidden("A channel suspension needs a channel: run /suspend in "
                                        "that channel, or choose the workspace scope.")
        elif not self._settings.managed_channels:
            raise PlatformForbidden(
                "Slack has no workspace-wide suspension without Enterprise admin APIs; list "
                "the channels it covers in managed_channels in the [slack] config.")

    def channels_for(self, sanction: Sanction) -> list[str]:
        if sanction.scope is SanctionScope.CHANNEL and sanction.channel is not None:
            return [refs.split_place(sanction.channel)[0]]
        return list(self._settings.managed_channels)

    async def kick(self, channel: str, user_id: str) -> None:
        async with slack_call("remove the member from the channel", ok=("not_in_channel",)):
            await self._client.conversations_kick(channel=channel, user=user_id)

    async def restrict(self, sanction: Sanction) -> None:
        for channel in self.channels_for(sanction):
            await self.kick(channel, sanction.subject.id)

    async def restore(self, sanction: Sanction) -> None:
        """Invite back to each channel; someone already there counts as restored."""
        for channel in self.channels_for(sanction):
            async with slack_call("invite the member back",
                                  ok=("already_in_channel", "user_is_deactivated")):
                await self._client.conversations_invite(channel=channel,
                                                        users=sanction.subject.id)

    async def in_audience(self, audience: Audience, person: PersonRef, *,
                          space: str | None = None) -> bool:
        return await audiences.in_audience(self._client, self._settings,
                                           self._audiences[audience], audience, person)

    async def open_private_thread(self, audience: Audience, title: str,
                                  members: Sequence[PersonRef], notice: Notice, *,
                                  separate: bool = False) -> PlaceRef:
        """A thread under a message in the private channel; with ``separate``, a private
        conversation of its own with ``members`` only (``audiences.py``).

        Slack threads have no membership, so ``members`` is not used for a thread: listing
        them would single out a member left out (a case's anonymous reporter). Everyone in
        the private channel sees the thread; only eligible members' votes count. An
        emergency pings the channel (or the conversation) in the root message.
        """
        ping = "<!channel> 🚨 Emergency: " if notice.mention_everyone else ""
        if separate:
            own = await audiences.open_case_conversation(self._client, title, members)
            await self._send(own, f"{ping}*{title}* — discussion in this private "
                             "conversation.", doing="open the case's conversation")
            await self._post_notice(own, notice)
            return refs.place(self.team, own)
        channel = self._audience_channel(audience)
        ts = await self._send(channel, f"{ping}*{title}* — discussion in this thread.",
                              doing="open a committee thread")
        place = refs.thread(self.team, channel, ts)
        await self._post_notice(channel, notice, ts)
        return place

    async def remove_from_thread(self, thread: PlaceRef, person: PersonRef) -> None:
        """Slack threads have no membership; the thread is told the person stepped out. A
        case's own conversation has: they are removed from it too."""
        channel, thread_ts = refs.split_place(thread)
        if thread_ts is None:
            async with slack_call("remove the member from the case's conversation",
                                  ok=("not_in_channel",)):
                await self._client.conversations_kick(channel=channel, user=person.id)
        await self._send(channel, f"{self.mention(person)} has declared a conflict of interest "
                         "and takes no further part in this case; their votes do not count.",
                         thread_ts=thread_ts, doing="note the recusal in the thread")

    async def add_reactions(self, message: MessageRef, emojis: Sequence[str]) -> None:
        for emoji in emojis:
            async with slack_call("add the voting reactions", ok=("already_reacted",)):
                await self._client.reactions_add(channel=message.channel,
                                                 timestamp=message.id,
                                                 name=EMOJI_NAMES.get(emoji, emoji))

    async def remove_reaction(self, message: MessageRef, emoji: str, person: PersonRef) -> None:
        """Slack lets a bot remove only its own reactions; the vote is simply not counted."""
        log.info("slack: %s's %s on %s stays visible but is not counted", person.key, emoji,
                 message.key)

    # Beyond the port: what the listeners need ----------------------------------------

    async def ephemeral(self, channel: str | None, user_id: str, text: str,
                        blocks: list[Block] | None = None) -> None:
        """A reply only ``user_id`` sees; in a DM when the channel will not take it."""
        body = clip(mrkdwn(text), TEXT_LIMIT)
        if channel:
            try:
                async with slack_call("reply privately"):
                    await self._client.chat_postEphemeral(channel=channel, user=user_id,
                                                          text=body, blocks=blocks)
                return
            except PlatformForbidden:
                log.info("ephemeral reply in %s refused; replying by DM", channel)
        dm = await self.open_dm(refs.person(self.team, user_id))
        await self._send(dm, body, blocks=blocks, doing="reply by direct message")

    async def update_text(self, channel: str, ts: str, text: str) -> None:
        """Replace a message's text and drop its buttons (a handled queue entry)."""
        async with slack_call("update the queue message", ok=GONE):
            await self._client.chat_update(channel=channel, ts=ts,
                                           text=clip(mrkdwn(text), TEXT_LIMIT), blocks=[])

    async def fetch_message(self, channel: str, ts: str,
                            thread_ts: str | None = None) -> dict[str, Any] | None:
        """The message's author and text, or None if the bot cannot read it."""
        try:
            async with slack_call("read the message"):
                if thread_ts and thread_ts != ts:
                    response = await self._client.conversations_replies(
                        channel=channel, ts=thread_ts, latest=ts, oldest=ts, inclusive=True,
                        limit=1)
                else:
                    response = await self._client.conversations_history(
                        channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1)
        except PlatformForbidden as exc:
            log.info("message %s/%s not readable: %s", channel, ts, exc)
            return None
        for found in response.get("messages") or []:
            if found.get("ts") == ts:
                return dict(found)
        return None

    async def can_read(self, user_id: str, channel: str) -> bool:
        """Whether ``user_id`` can read ``channel``: a member of it, or, for a public
        channel, anyone in the workspace but a guest (guests see only their channels)."""
        try:
            async with slack_call("look up the conversation"):
                response = await self._client.conversations_info(channel=channel)
        except PlatformForbidden:
            return False  # channel_not_found: not there, or not visible to the bot either
        info = response.get("channel") or {}
        public = bool(info.get("is_channel")) and not (
            info.get("is_private") or info.get("is_im") or info.get("is_mpim"))
        if public and not await self._is_guest(user_id):
            return True
        return await self._is_member(user_id, channel)

    async def _is_guest(self, user_id: str) -> bool:
        try:
            async with slack_call("look up the person"):
                user = (await self._client.users_info(user=user_id)).get("user") or {}
        except (PlatformForbidden, DeliveryFailed):
            return True  # not known as a full member: let channel membership decide
        return bool(user.get("is_restricted") or user.get("is_ultra_restricted"))

    async def _is_member(self, user_id: str, channel: str) -> bool:
        cursor: str | None = None
        while True:
            try:
                async with slack_call("read the conversation's members"):
                    response = await self._client.conversations_members(
                        channel=channel, cursor=cursor, limit=1000)
            except PlatformForbidden:
                return False
            if user_id in (response.get("members") or []):
                return True
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return False

    async def members(self, space: str | None = None) -> list[PersonRef]:
        """Every active human in the workspace (the one this app serves), for Code
        acceptance prompts."""
        people: list[PersonRef] = []
        cursor: str | None = None
        while True:
            async with slack_call("list the workspace's members"):
                response = await self._client.users_list(cursor=cursor, limit=200)
            for user in response.get("members") or []:
                if not (user.get("is_bot") or user.get("deleted")
                        or user.get("id") == "USLACKBOT"):
                    people.append(refs.person(self.team, str(user["id"])))
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return people

    async def publish_home(self, user_id: str, view: Block) -> None:
        """Draw ``user_id``'s App Home tab (``views.publish`` replaces it whole)."""
        async with slack_call("show the home tab"):
            await self._client.views_publish(user_id=user_id, view=view)

    async def open_view(self, trigger_id: str, view: Block) -> None:
        async with slack_call("open the form"):
            await self._client.views_open(trigger_id=trigger_id, view=view)


class SlackLinkReader:
    """The ``MessageReader`` port for one pasted link (a thread reply needs its thread)."""

    def __init__(self, platform: SlackWorkspace, thread_ts: str | None) -> None:
        self._platform = platform
        self._thread_ts = thread_ts

    async def read_as(self, reader: PersonRef, message: MessageRef) -> SeenMessage | None:
        team = self._platform.team
        if reader.space != team or message.space != team:
            return None
        if not await self._platform.can_read(reader.id, message.channel):
            return None
        found = await self._platform.fetch_message(message.channel, message.id,
                                                   self._thread_ts)
        if found is None:
            return None
        author = found.get("user")
        return SeenMessage(refs.person(team, str(author)) if author else None,
                           str(found.get("text") or ""))


__all__ = ["EMOJI_NAMES", "NAME_EMOJI", "SlackLinkReader", "SlackWorkspace", "error_code"]
