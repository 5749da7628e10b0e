"""Start-up checks that need more than one setting to decide."""

from __future__ import annotations

from bot.core.errors import ConfigError


def require_table(table: object | None, name: str, token: str) -> None:
    if table is None:
        raise ConfigError(f"{token} is set but the config file has no [{name}] table; copy it "
                          f"from config/example.toml and fill in your ids.")
