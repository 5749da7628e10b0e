"""The platforms this process serves, and where the committee and executive meet."""

from __future__ import annotations

from bot.core.errors import PlatformUnavailable
from bot.core.identity import PlatformName
from bot.core.ports import Platform


class PlatformRegistry:
    """Looks up the adapter for a person's platform.

    The committee is one body; its private channel lives on one platform (``home``),
    whichever platform a case came from.
    """

    def __init__(self, home: PlatformName | None = None) -> None:
        self._platforms: dict[PlatformName, Platform] = {}
        self._home = home

    def register(self, platform: Platform) -> None:
        self._platforms[platform.name] = platform

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
