"""The platforms this process serves, where the committee meets, and which are ready.

A front-end registers its adapter as soon as it exists, but the adapter can only act once
the platform is connected (Discord's READY with the guild, Slack's socket or server up).
Timed actions ask :meth:`PlatformRegistry.satisfies` before they run and wait, without
spending an attempt, until the platform they need is ready; the listeners added with
:meth:`PlatformRegistry.on_ready` wake them the moment it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.core.errors import PlatformUnavailable
from bot.core.identity import PlatformName
from bot.core.ports import Platform

log = logging.getLogger(__name__)

ReadyListener = Callable[[PlatformName], None]


@dataclass(frozen=True, slots=True)
class Needs:
    """The platforms a timed action acts on; ``home``: where the committee meets."""

    platforms: frozenset[PlatformName] = frozenset()
    home: bool = False


HOME = Needs(home=True)
NOTHING = Needs()


class PlatformRegistry:
    """Looks up the adapter for a person's platform.

    The committee is one body; its private channel lives on one platform (``home``),
    whichever platform a case came from.
    """

    def __init__(self, home: PlatformName | None = None) -> None:
        self._platforms: dict[PlatformName, Platform] = {}
        self._home = home
        self._ready: set[PlatformName] = set()
        self._expected: set[PlatformName] = set()
        self._standby: set[PlatformName] = set()
        self._listeners: list[ReadyListener] = []

    def register(self, platform: Platform, *, ready: bool = True) -> None:
        """Add an adapter; a front-end that still has to connect passes ``ready=False``
        and calls :meth:`mark_ready` once connected."""
        self._platforms[platform.name] = platform
        if ready:
            self.mark_ready(platform.name)
        else:
            self._ready.discard(platform.name)

    def expect(self, names: Iterable[PlatformName]) -> None:
        """The platforms this process will connect to, so the committee's home is waited
        for rather than replaced by whichever platform connects first."""
        self._expected.update(names)

    @property
    def expected(self) -> frozenset[PlatformName]:
        """The platforms this process connects to (what readiness checks)."""
        return frozenset(self._expected)

    def mark_ready(self, name: PlatformName) -> None:
        """The front-end is connected: tell whoever waits for it (once per connection)."""
        if name not in self._platforms or name in self._ready:
            return
        self._ready.add(name)
        log.info("%s is ready", name.value)
        for listener in list(self._listeners):
            try:
                listener(name)
            except Exception:  # one listener must not keep the others from hearing it
                log.exception("a listener for %s readiness failed", name.value)

    def mark_unready(self, name: PlatformName) -> None:
        self._ready.discard(name)

    def standing_by(self, name: PlatformName, standby: bool) -> None:
        """This process waits for another to give up a platform's connection (a Discord
        shard held through a lease): not connected, and healthy so."""
        if standby:
            self._standby.add(name)
        else:
            self._standby.discard(name)

    def is_standing_by(self, name: PlatformName) -> bool:
        return name in self._standby

    def on_ready(self, listener: ReadyListener) -> None:
        self._listeners.append(listener)

    def is_ready(self, name: PlatformName) -> bool:
        return name in self._ready and name in self._platforms

    def satisfies(self, needs: Needs) -> bool:
        """Whether every platform ``needs`` names is connected now."""
        if needs.home:
            home = self.home_name
            if home is None or not self.is_ready(home):
                return False
        return all(self.is_ready(name) for name in needs.platforms)

    def get(self, name: PlatformName) -> Platform:
        found = self._platforms.get(name)
        if found is None:
            raise PlatformUnavailable(
                f"The bot is not connected to {name.value} right now; try again later."
            )
        return found

    def has(self, name: PlatformName) -> bool:
        return name in self._platforms

    @property
    def home_name(self) -> PlatformName | None:
        """The platform the committee's channels are on (once known)."""
        if self._home is not None and (self._home in self._platforms
                                       or self._home in self._expected):
            return self._home
        return next(iter(self._platforms), None)

    @property
    def home(self) -> Platform:
        """The platform hosting the committee and executive channels."""
        if self._home is not None and self._home in self._platforms:
            return self._platforms[self._home]
        if not self._platforms:
            raise PlatformUnavailable("The bot is not connected to any platform right now.")
        return next(iter(self._platforms.values()))

    @property
    def names(self) -> list[PlatformName]:
        return list(self._platforms)
