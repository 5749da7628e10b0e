"""Automod's view of its ``[automod]`` tables: the shared config table reader, with the
defaults automod's keys want (counts are never negative) and its own example file."""

from __future__ import annotations

from bot.core.config_table import Table


class Reader(Table):
    EXAMPLE = "config/automod.example.toml"

    def integer(self, name: str, default: int | None = None, *, minimum: int | None = 0,
                maximum: int | None = None) -> int:
        return super().integer(name, default, minimum=minimum, maximum=maximum)
