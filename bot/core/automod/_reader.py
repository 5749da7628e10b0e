"""A typed, path-aware view of one TOML table, refusing keys nobody read.

This mirrors ``config._reader.Table``; the domain may not import the ``config`` package
(tests/test_architecture.py), so automod reads its own section with this small copy and
every error still names the exact key at fault.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.errors import ConfigError


class Reader:
    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(f"config: '{path}' must be a table, like [{path}].")
        self._data: Mapping[str, Any] = data
        self.path = path
        self._seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def names(self) -> list[str]:
        return list(self._data)

    def has(self, name: str) -> bool:
        return name in self._data

    def raw(self, name: str) -> Any:
        self._seen.add(name)
        return self._data.get(name)

    def table(self, name: str) -> Reader:
        value = self.raw(name)
        return Reader(value if value is not None else {}, self.key(name))

    def text(self, name: str, default: str) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ConfigError(f"config key '{self.key(name)}' must be text, got {value!r}.")
        return value

    def opt_text(self, name: str) -> str | None:
        self._seen.add(name)
        return self.text(name, "") if self.has(name) else None

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

    def integer(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key '{self.key(name)}' must be a whole number, "
                              f"got {value!r}.")
        if value < minimum:
            raise ConfigError(f"config key '{self.key(name)}' must be at least {minimum}.")
        return value

    def number(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"config key '{self.key(name)}' must be a number, got {value!r}.")
        if value < minimum:
            raise ConfigError(f"config key '{self.key(name)}' must be at least {minimum:g}.")
        return float(value)

    def text_list(self, name: str, default: tuple[str, ...] = ()) -> list[str]:
        value = self.raw(name)
        if value is None:
            return list(default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"config key '{self.key(name)}' must be a list of text values.")
        return list(value)

    def finish(self) -> None:
        unknown = sorted(set(self._data) - self._seen)
        if unknown:
            raise ConfigError(f"config: unknown key(s) {', '.join(unknown)} in [{self.path}]; "
                              "check the spelling against config/automod.example.toml.")
