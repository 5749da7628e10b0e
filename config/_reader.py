"""Typed, path-aware reading of TOML tables (the implementation lives in the core)."""

from bot.core.config_table import Table

__all__ = ["Table"]
