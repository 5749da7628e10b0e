"""One error hierarchy for the domain.

Every error carries a message written for the person who triggered it, so the adapters can
show it as it is (as a polite ephemeral reply) without knowing what went wrong::

    CocBotError
    ├── InvalidInput            the request itself is malformed (bad duration, empty reason)
    │   └── InvalidDuration
    ├── NotFound                a reference that does not exist (or is not yours to see)
    ├── NotPermitted            the actor may not do this (not staff, recused, ineligible)
    ├── InvalidState            the thing exists but is past the point where this applies
    │   ├── DeadlinePassed      e.g. an appeal after its 60-day window
    │   ├── StatementAwaited    a decision before the subject's statement deadline
    │   └── AlreadyDone         idempotent repeats the caller should know about
    ├── RateLimited             too many reports in a short time
    ├── ConfigError             the configuration file or environment is wrong (start-up)
    │   └── SealError           a sealed identity cannot be sealed or opened with the keys given
    ├── StorageError            the database failed; nothing was changed
    │   ├── DuplicateRecord     a uniqueness rule (other than the id) refused a record
    │   └── DatabaseLost        its file was deleted or replaced while the bot ran: stop
    └── PlatformError           Discord or Slack refused or failed
        ├── DeliveryFailed      a DM could not be delivered (closed DMs, blocked bot)
        ├── PlatformForbidden   the bot lacks a permission on the platform
        └── PlatformUnavailable the platform API is down or timing out; retry later
"""

from __future__ import annotations

from datetime import datetime


class CocBotError(Exception):
    """Base of every error the bot raises on purpose; ``str(err)`` is for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(CocBotError):
    """The request is malformed; repeating it unchanged will fail again."""


class InvalidDuration(InvalidInput):
    """A duration such as ``7d`` could not be understood."""


class NotFound(CocBotError):
    """A referenced report, case, sanction or appeal does not exist."""


class NotPermitted(CocBotError):
    """The actor is not allowed to do this."""


class InvalidState(CocBotError):
    """The target is in a state where this action no longer (or not yet) applies."""


class DeadlinePassed(InvalidState):
    """A window such as the appeal window has closed; the message states when."""

    def __init__(self, message: str, deadline: datetime) -> None:
        super().__init__(message)
        self.deadline = deadline


class StatementAwaited(InvalidState):
    """The subject has not given their statement and their deadline has not passed, so the
    decision waits (or is taken with a recorded reason); the message says until when."""

    def __init__(self, message: str, due: datetime) -> None:
        super().__init__(message)
        self.due = due


class AlreadyDone(InvalidState):
    """The action was already carried out; repeating it changed nothing."""


class RateLimited(CocBotError):
    """The actor is doing this too often; the message says when to try again."""

    def __init__(self, message: str, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class ConfigError(CocBotError):
    """The configuration is invalid; the message names the key and the problem."""


class SealError(ConfigError):
    """No seal key is configured, or none of the configured keys opens a sealed value.

    The message says which, and what the operator can do; it never contains a key or the
    sealed value.
    """


class StorageError(CocBotError):
    """The database failed; the transaction was rolled back."""


class DuplicateRecord(StorageError):
    """A uniqueness rule other than the record's id refused it (one open automatic case
    per person): a concurrent writer got there first; the caller may use theirs."""


class DatabaseLost(StorageError):
    """The database file was deleted or replaced under the running bot.

    Nothing more can be saved safely, so the bot stops. ``str()`` is what a person whose
    request failed is shown (no server paths); ``operator_message`` is what the operator
    needs: which file, what happened, where the rescued copy is, what to do.
    """

    def __init__(self, operator_message: str) -> None:
        super().__init__("The bot cannot save anything right now: its database is "
                         "unavailable, so nothing was changed. The operators need to restore "
                         "it; please try again later.")
        self.operator_message = operator_message


class PlatformError(CocBotError):
    """Discord or Slack refused or failed a request."""


class DeliveryFailed(PlatformError):
    """A direct message could not be delivered to the person."""


class PlatformForbidden(PlatformError):
    """The bot lacks a permission it needs on the platform."""


class PlatformUnavailable(PlatformError):
    """The platform is unreachable or failing; the action should be retried later.

    ``retry_after_seconds``: how long the platform asked us to wait (a 429's
    ``Retry-After``), or None when it did not say (a 5xx, a timeout).
    """

    def __init__(self, message: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
