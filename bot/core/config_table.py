"""Typed, path-aware reading of a TOML table, so every error names the key at fault.

It lives in the core because the domain reads its own sections too (automod's rules),
and the domain may not import the ``config`` package; ``config`` re-exports it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Self

from bot.core.errors import ConfigError


class Table:
    """A view of one TOML table that records which keys were read.

    ``finish()`` refuses keys nobody read: a typo such as ``quroum`` must not silently
    fall back to the default.
    """

    EXAMPLE = "config/example.toml"  # where finish() tells people to check the spelling

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"config: '{path}' must be a table, like [{path}].")
        self._data: Mapping[str, Any] = data
        self._path = path
        self._seen: set[str] = set()

    @property
    def path(self) -> str:
        return self._path

    def key(self, name: str) -> str:
        return f"{self._path}.{name}" if self._path else name

    def has(self, name: str) -> bool:
        return name in self._data

    def names(self) -> list[str]:
        return list(self._data)

    def raw(self, name: str) -> Any:
        self._seen.add(name)
        return self._data.get(name)

    def table(self, name: str) -> Self:
        value = self.raw(name)
        return type(self)(value if value is not None else {}, self.key(name))

    def text(self, name: str, default: str | None = None, *, required: bool = False) -> str:
        value = self.raw(name)
        if value is None:
            if required or default is None:
                raise ConfigError(f"config key '{self.key(name)}' is required (a text value).")
            return default
        if not isinstance(value, str):
            raise ConfigError(f"config key '{self.key(name)}' must be text, got {value!r}.")
        return value

    def opt_text(self, name: str) -> str | None:
        value = self.raw(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise ConfigError(f"config key '{self.key(name)}' must be text, got {value!r}.")
        return value

    def integer(self, name: str, default: int | None = None, *, minimum: int | None = None,
            maximum: int | None = None) -> int:
        value = self.raw(name)
        if value is None:
            if default is None:
                raise ConfigError(f"config key '{self.key(name)}' is required (a whole number).")
            value = default
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{self.key(name)}' must be a whole number, "
                              f"got {value!r}.")
        if minimum is not None and value < minimum:
            raise ConfigError(f"config key '{self.key(name)}' must be at least {minimum}.")
        if maximum is not None and value > maximum:
            raise ConfigError(f"config key '{self.key(name)}' must be at most {maximum}.")
        return value

    def snowflake(self, name: str, *, required: bool = True) -> int | None:
        """Discord ids; accepted as numbers or quoted strings (TOML loses nothing either way)."""
        value = self.raw(name)
        if value is None:
            if required:
                raise ConfigError(f"config key '{self.key(name)}' is required (a Discord id: "
                                  "enable Developer Mode, right-click, Copy ID).")
            return None
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"config key '{self.key(name)}' must be a Discord id (digits), "
                              f"got {value!r}.")
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(f"config key '{self.key(name)}' must be true or false.")
        return value

    def opt_flag(self, name: str) -> bool | None:
        self._seen.add(name)
        return self.flag(name, False) if self.has(name) else None

    def number(self, name: str, default: float, *, minimum: float = 0.0,
               maximum: float | None = None) -> float:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"config key '{self.key(name)}' must be a number, got {value!r}.")
        if value < minimum:
            raise ConfigError(f"config key '{self.key(name)}' must be at least {minimum:g}.")
        if maximum is not None and value > maximum:
            raise ConfigError(f"config key '{self.key(name)}' must be at most {maximum:g}.")
        return float(value)

    def text_list(self, name: str, default: Sequence[str] = ()) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"config key '{self.key(name)}' must be a list of text values.")
        return list(value)

    def finish(self) -> None:
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            where = f"in [{self._path}]" if self._path else "at the top level"
            raise ConfigError(f"config: unknown key(s) {', '.join(unknown)} {where}; "
                              f"check the spelling against {self.EXAMPLE}.")
