"""Requests from a platform that were already acted on, so a replay is not acted on twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class RequestClaim:
    """The first delivery of a platform request claimed it; repeats find this row.

    ``id`` is what identifies the request on its platform (Slack: the event id, the
    interaction's trigger id, or the signature and timestamp), qualified by platform and
    workspace. A claim is kept until ``expires_at``, well past the window in which the
    platform would accept or resend the request, and then pruned.
    """

    TABLE: ClassVar[str] = "request_claims"
    id: str
    claimed_at: datetime
    expires_at: datetime
