"""Logging for the ``coc-bot`` process: coc-bot's own records, never the case log's content.

``--log-level DEBUG`` is for operators chasing a problem, and its output ends up in the
journal, in bug reports and in support chats. coc-bot's own loggers log ids and outcomes,
not payloads (DESIGN.md §4). Several libraries, at DEBUG, log exactly the payloads the
bot must keep confidential, so they are held at INFO whatever the level asked for:

- ``aiosqlite`` logs every call with its arguments: each SQL statement's parameters,
  i.e. reporter ids, report text, excerpts of removed messages, sanction reasons;
- ``discord`` logs every gateway event (message content, slash-command options such as a
  report's text) and every REST request and response body, and interaction URLs that
  carry the interaction's token;
- ``slack_sdk`` and ``slack_bolt`` log Web API request bodies, Socket Mode envelopes and
  incoming request bodies (report text, user ids); so does ``bot.slack_io.bolt``, the
  logger ``bot/slack_io/bolt.py`` hands to Bolt, which Socket Mode inherits.

Their warnings and errors still get through. To see a library's DEBUG output anyway (on a
test deployment, never with real reports), raise its level in a Python shell; nothing in
the configuration turns it on, so it cannot be left on by accident.

``--log-format json`` (or ``COC_BOT_LOG_FORMAT=json``) writes one JSON object a line, for a
log collector: ``timestamp``, ``level``, ``logger``, ``message``, ``exc_info`` when there
is a traceback, and the references a record is about (``report``, ``case``, ``motion``,
``appeal``, ``incident``, ``sanction``, from ``extra=log_fields(...)``, see
``bot/core/refs.py``). Any other ``extra`` a library attaches is dropped, so a field can
never smuggle a payload into the log.
"""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from bot.core.refs import KINDS

PAYLOAD_LOGGERS = ("aiosqlite", "discord", "slack_sdk", "slack_bolt", "bot.slack_io.bolt")
"""Library loggers whose DEBUG records carry message contents, ids or tokens."""

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
JSON_FIELDS = frozenset({"timestamp", "level", "logger", "message", "exc_info",
                         "stack_info", *KINDS.values()})
"""Everything a JSON record may hold; see the module docstring."""


class ReferenceJsonFormatter(JsonFormatter):
    """python-json-logger's formatter, keeping only :data:`JSON_FIELDS`."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s %(message)s", timestamp=True,
                         rename_fields={"levelname": "level", "name": "logger"})

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in log_data.items() if key in JSON_FIELDS}


def configure_logging(level: str, log_format: str = "text") -> None:
    """Log to stderr at ``level`` as text or JSON; the payload-logging libraries at INFO
    at most."""
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r} (use DEBUG, INFO, WARNING or ERROR)")
    if log_format not in FORMATS:
        raise ValueError(f"unknown log format {log_format!r} (use text or json)")
    handler = logging.StreamHandler()
    handler.setFormatter(ReferenceJsonFormatter() if log_format == "json"
                         else logging.Formatter(FORMAT))
    logging.basicConfig(level=numeric, handlers=[handler])
    logging.getLogger().setLevel(numeric)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
