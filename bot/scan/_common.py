"""What every export reader shares: the message type, the error, and tolerant JSON access."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core.automod import ScannedMessage
from bot.core.errors import CocBotError

DEFAULT_SLACK_TEAM = "export"
_FRACTION = re.compile(r"(\.\d{6})\d+")


class ExportError(CocBotError):
    """An export that cannot be read: missing, not JSON, or in no format we know."""


@dataclass(frozen=True, slots=True)
class ExportMessage:
    """One message of an export, ready for automod, with names for the report."""

    scanned: ScannedMessage
    channel_name: str
    author_name: str
    message_id: str
    source: str


def parse_time(value: object, where: str) -> datetime:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(_FRACTION.sub(r"\1", value))
        except ValueError:
            pass
        else:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise ExportError(f"{where}: the timestamp {value!r} is not an ISO date and time.")


def text_of(value: object) -> str:
    return value if isinstance(value, str) else ""


def mapping_of(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


