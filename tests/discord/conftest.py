"""The real discord.py bot, wired by ``build_app``, against the fake Discord on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.app import App, build_app
from bot.core.clock import FakeClock
from bot.core.identity import PersonRef, PlatformName
from bot.core.models import Actor, Office, Report, Role
from bot.discord_io.client import CocBot
from bot.discord_io.runner import point_at
from config.loader import load_settings
from storage import open_migrated
from tests.fakes.discord.server import FakeDiscord, FakeUser
from tests.fakes.slack import FakeSlack
from tests.slack.conftest import GENERAL as SLACK_GENERAL
from tests.slack.conftest import QUEUE as SLACK_QUEUE
from tests.slack.conftest import RANDOM as SLACK_RANDOM
from tests.slack.conftest import SECRET as SLACK_SECRET
from tests.slack.conftest import TEAM as SLACK_TEAM
from tests.slack.conftest import SlackWorld, attach_slack
from tests.slack.conftest import seed as seed_slack
from tests.statements import hear as give_statement
from tests.waiting import DEADLINE, eventually


@dataclass
class World:
    """Everything a Discord end-to-end test needs: the fake, the bot, the people."""

    fake: FakeDiscord
    app: App
    bot: CocBot
    task: asyncio.Task[None]
    clock: FakeClock
    general: int
    jobs_board: int
    staff_queue: int
    committee_channel: int
    executive_channel: int
    staff: FakeUser
    alice: FakeUser
    bob: FakeUser
    members: list[FakeUser]
    counsel: FakeUser
    executive: FakeUser
    moderator_role: int
    suspended_role: int
    announcements: int = 0
    second: SecondServer | None = None  # @pytest.mark.two_servers
    slack: SlackWorld | None = None  # @pytest.mark.slack_workspace

    def ref(self, user: FakeUser, guild: int | None = None) -> PersonRef:
        return PersonRef(PlatformName.DISCORD, str(guild or self.fake.guild_id), str(user.id))

    async def run_due(self) -> int:
        return len([r for r in await self.app.timed.run_due() if r.ran])

    async def hear(self, ref: str) -> None:
        """The case's subject gives their statement (``tests.statements.hear``)."""
        await give_statement(self.app.services, ref)


@dataclass
class SecondServer:
    """A second server the same bot serves (``[[discord.servers]]``), with its own staff,
    queue and suspended role; the committee meets in the first."""

    guild: int
    general: int
    staff_queue: int
    staff_role: int
    suspended_role: int
    staff: FakeUser
    carol: FakeUser


SECOND_SERVER = """
[[discord.servers]]
name = "Regional chapter"
guild_id = {guild}
staff_role_id = {staff_role}
staff_queue_channel_id = {queue}
suspended_role_id = {suspended}
"""


def second_server(fake: FakeDiscord, world_staff: FakeUser) -> SecondServer:
    """Build server B in the fake: staff of the first server are members here, not staff."""
    guild = fake.add_guild()
    staff_role = fake.role("Staff B", position=10, guild=guild)
    suspended = fake.role("Suspended B", position=2, guild=guild)
    view = 1 << 10  # VIEW_CHANNEL: B's staff queue is private to B's staff
    general = fake.channel("b-general", guild=guild)
    queue = fake.channel("b-queue", guild=guild, overwrites=[
        fake.overwrite(guild, deny=view), fake.overwrite(staff_role, allow=view),
        fake.overwrite(fake.bot_role, allow=view)])
    fake.join(world_staff, guild)
    return SecondServer(guild, general, queue, staff_role, suspended,
                        fake.member("Bea Staff B", staff_role, guild=guild),
                        fake.member("carol", guild=guild))


SLACK_WORKSPACE = f"""
[committee]
home = "discord"

[slack]
team_id = "{SLACK_TEAM}"
staff = ["SSTAFFGROUP"]
staff_queue_channel = "{SLACK_QUEUE}"
managed_channels = ["{SLACK_GENERAL}", "{SLACK_RANDOM}"]
"""
"""A Slack workspace beside the Discord servers (the real Bolt app on the same database);
the committee meets on Discord."""


def slack_env(fake: FakeSlack, api: str) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": fake.bot_token, "SLACK_SIGNING_SECRET": SLACK_SECRET,
            "SLACK_API_BASE": api}


CONFIG = """
[organization]
name = "Library Association"

[business_days]
timezone = "America/Chicago"

[automod]
exempt_roles = ["{staff}"]

[profiles.default]
space_name = "Library Association"

[profiles."discord:{guild}:{general}"]
space_name = "Members (main channel)"
restricted_content = "promotional content; career opportunities go to the jobs board"
restricts_promotion = true

[discord]
guild_id = {guild}
staff_role_id = {staff}
committee_role_id = {committee}
counsel_role_id = {counsel}
executive_role_id = {executive}
staff_queue_channel_id = {queue}
committee_channel_id = {committee_channel}
executive_channel_id = {executive_channel}
announcements_channel_id = {announcements}
{suspended}
"""


HANDLING = ("discord.py: ", "CommandTree-invoker", "discord-ui-")
"""Names discord.py gives the tasks it starts for each gateway event's listeners, each
slash command, and each button, select or modal callback."""


async def settled(world: World, limit: float = DEADLINE) -> None:
    """Wait until the bot has finished handling everything it has received: every task
    discord.py started for an event or interaction is done. A test that asserts nothing
    happened waits on this, not on a sleep, so it cannot pass merely because the bot was
    slow."""
    del world  # the tasks live on the running loop; the world says which bot is meant
    current = asyncio.current_task()
    while busy := [task for task in asyncio.all_tasks()
                   if task is not current and not task.done()
                   and task.get_name().startswith(HANDLING)]:
        _, pending = await asyncio.wait(busy, timeout=limit)
        assert not pending, f"the bot is still handling {[t.get_name() for t in pending]}"


async def received(world: World, channel: int, content: str) -> None:
    """The fake says ``content`` in ``channel`` and the bot has read it: gateway events
    arrive in order, so everything sent before it has been received too."""
    seen = asyncio.ensure_future(world.bot.wait_for(
        "message", check=lambda m: m.channel.id == channel and m.content == content,
        timeout=DEADLINE))
    await world.fake.say(world.alice, channel, content)
    await seen


async def caught_up(world: World) -> None:
    """Wait until the bot has read and finished handling every event sent so far, so that
    asserting it did nothing cannot pass merely because it was slow: gateway events arrive
    in order, so once a marker said after them is received they all were."""
    await received(world, world.general, "(the test's marker: nothing to see)")
    await settled(world)


async def connect(app: App) -> tuple[CocBot, asyncio.Task[None]]:
    """Start the real client against the fake and wait until it is ready."""
    assert app.settings.discord is not None
    bot = CocBot(app, app.settings.discord, guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start("fake-token"))
    ready = asyncio.create_task(bot.wait_until_ready())
    await asyncio.wait([task, ready], timeout=DEADLINE, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # the bot died while starting: show why
    assert ready.done(), "the bot did not become ready against the fake Discord"
    # on_ready (which marks the platform ready) runs as its own task
    await eventually(lambda: app.platforms.is_ready(PlatformName.DISCORD),
                     "Discord to be marked ready")
    return bot, task


async def disconnect(bot: CocBot, task: asyncio.Task[None]) -> BaseException | None:
    died = task.exception() if task.done() and not task.cancelled() else None
    await bot.close()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return died


async def restart(world: World) -> None:
    """A new client process-wise: nothing in memory survives, only the database (the new
    client replaces the old one's adapter in the registry, and is ready only at READY)."""
    died = await disconnect(world.bot, world.task)
    assert died is None
    world.bot, world.task = await connect(world.app)


async def assert_anonymous_reporters_never_exposed(world: World) -> None:
    """Checked after every Discord test: no message the bot sent anywhere (DMs, channels,
    threads, edits) names an anonymous reporter; only their own private replies may."""
    async with world.app.storage.transaction() as tx:
        anonymous = await tx.find(Report, anonymous=True)
        # Stored sealed only; the test (like the machine) opens the seal to know whom to
        # look for.
        sealed = [(report, tx.sealer.open(report.reporter_sealed)) for report in anonymous
                  if report.reporter is None and report.reporter_sealed is not None]
    assert len(sealed) == len(anonymous), "an anonymous report stored its reporter unsealed"
    for report, account in sealed:
        reporter = world.fake.members[int(account.id)]
        for call in world.fake.calls:
            if call.body and call.path.startswith("/channels/") and "/messages" in call.path:
                sent = str(call.body)
                assert reporter.name not in sent and str(reporter.id) not in sent, (
                    f"anonymous reporter of {report.id} exposed in {call}")


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                request: pytest.FixtureRequest) -> AsyncIterator[World]:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", DiscordWebSocket.DEFAULT_GATEWAY)
    fake = FakeDiscord()
    staff_role = fake.role("Staff", position=10)
    committee_role = fake.role("Committee", position=5)
    counsel_role = fake.role("Counsel", position=5)
    executive_role = fake.role("Executive", position=5)
    moderator_role = fake.role("Admin", position=90)
    suspended_role = fake.role("Suspended", position=2)
    with_role = request.node.get_closest_marker("suspended_role") is not None
    # Extra config (formatted like CONFIG) and permissions for the bot's role, for tests
    # of optional features: @pytest.mark.discord_config(text, bot_permissions=bits)
    extra = request.node.get_closest_marker("discord_config")
    if extra is not None:
        fake.roles[fake.bot_role]["permissions"] = str(
            int(fake.roles[fake.bot_role]["permissions"]) | extra.kwargs.get("bot_permissions", 0))
    general = fake.channel("general")
    jobs_board = fake.channel("jobs-board")
    view = 1 << 10  # VIEW_CHANNEL: the private channels are private, as operators set them
    queue = fake.channel("staff-queue", overwrites=[
        fake.overwrite(fake.guild_id, deny=view), fake.overwrite(staff_role, allow=view),
        fake.overwrite(fake.bot_role, allow=view)])
    committee_channel = fake.channel("committee", overwrites=[
        fake.overwrite(fake.guild_id, deny=view), fake.overwrite(committee_role, allow=view),
        fake.overwrite(counsel_role, allow=view), fake.overwrite(fake.bot_role, allow=view)])
    executive_channel = fake.channel("executive", overwrites=[
        fake.overwrite(fake.guild_id, deny=view), fake.overwrite(executive_role, allow=view),
        fake.overwrite(fake.bot_role, allow=view)])
    announcements = fake.channel("announcements")
    staff = fake.member("Sam Staff", staff_role)
    members = [fake.member(f"Member {n}", committee_role) for n in range(1, 8)]
    counsel = fake.member("Casey Counsel", counsel_role)
    executive = fake.member("Erin Exec", executive_role)
    alice, bob = fake.member("alice"), fake.member("bob")
    second = second_server(fake, staff) \
        if request.node.get_closest_marker("two_servers") is not None else None
    await fake.start()
    slack = FakeSlack(team=SLACK_TEAM) \
        if request.node.get_closest_marker("slack_workspace") is not None else None
    env = {"DISCORD_TOKEN": "fake-token", "DISCORD_API_BASE": fake.api_base,
           "DISCORD_GATEWAY_URL": fake.gateway_url}
    if slack is not None:
        env |= slack_env(slack, await slack.start())
        seed_slack(slack)

    config = tmp_path / "coc-bot.toml"
    config.write_text((CONFIG + (extra.args[0] if extra is not None else "")).format(
        guild=fake.guild_id, general=general, staff=staff_role, committee=committee_role,
        counsel=counsel_role,
        executive=executive_role, queue=queue, committee_channel=committee_channel,
        executive_channel=executive_channel, announcements=announcements,
        suspended=f"suspended_role_id = {suspended_role}" if with_role else "")
        + (SECOND_SERVER.format(guild=second.guild, staff_role=second.staff_role,
                                queue=second.staff_queue, suspended=second.suspended_role)
           if second else "") + (SLACK_WORKSPACE if slack else ""))
    settings = load_settings(config, env)
    clock = FakeClock(datetime(2026, 1, 5, 20, 0, tzinfo=UTC))
    app = await build_app(settings, clock=clock, storage=await open_migrated(
        "sqlite:///:memory:"), worker="e2e", dm_wave=timedelta(0), outbox_inline=True)
    point_at(settings.secrets.discord_api_base, settings.secrets.discord_gateway_url)
    bot, task = await connect(app)
    world = World(fake, app, bot, task, clock, general, jobs_board, queue, committee_channel,
                  executive_channel, staff, alice, bob, members, counsel, executive,
                  moderator_role, suspended_role, announcements, second)
    admin = Actor(world.ref(staff), frozenset({Role.STAFF}))
    for seat, member in enumerate(members, start=1):
        await app.services.roster.appoint(admin, world.ref(member), Office.COMMITTEE,
                                          seat=seat, term_start=date(2025, 1, 1),
                                          confirmed=True)
    await app.services.roster.appoint(admin, world.ref(counsel), Office.COUNSEL,
                                      term_start=date(2025, 1, 1))
    await app.services.roster.appoint(admin, world.ref(executive), Office.EXECUTIVE,
                                      term_start=date(2025, 1, 1))
    fake.calls.clear()
    try:
        async with contextlib.AsyncExitStack() as stack:
            if slack is not None:
                world.slack = await stack.enter_async_context(attach_slack(app, slack))
            yield world
        await assert_anonymous_reporters_never_exposed(world)
    finally:
        died = await disconnect(world.bot, world.task)
        await app.close()
        await fake.stop()
        if slack is not None:
            await slack.stop()
    if died is not None:
        raise AssertionError("the bot's connection died during the test") from died
