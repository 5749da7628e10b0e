"""What every flow shares: the services, the templates, and naming people for a reader."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.durations import parse_duration, parse_review_period
from bot.core.errors import CocBotError, InvalidInput
from bot.core.identity import PersonRef
from bot.core.markup import Trusted, neutralise
from bot.core.services import Services
from bot.core.services._context import mention, when


def token(value: object) -> Trusted:
    """A reference, a date or an account key the bot made: shown as it is, never masked
    (a Discord id is a long number that would otherwise read as a phone number)."""
    return Trusted(neutralise(str(value)))


def problems(**checks: Callable[[], object]) -> dict[str, str]:
    """Run each field's check; the refusal of each that fails, by field name.

    A form shows these beside the field at fault before anything is done. The checks are
    the very parsers and rules the flow itself applies, so the form and the one-line
    command refuse the same input with the same words.
    """
    found: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except CocBotError as exc:
            found[name] = str(exc)
    return found


class FlowBase:
    """A family of flows over the shared services; replies come from the templates."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._ctx = services.ctx

    def _say(self, template: str, **values: object) -> Trusted:
        return self._ctx.messages.render(template, **values)

    def _who(self, reader: PersonRef, person: PersonRef) -> Trusted:
        """A mention where the reader's platform can show one (an account in the reader's
        own space); another platform's account by its key, which a mention would garble."""
        if (person.platform, person.space) == (reader.platform, reader.space):
            return mention(self._ctx, person)
        return Trusted(f"`{token(person.key)}`")

    def _when(self, reader: PersonRef, moment: datetime | None) -> Trusted:
        """A time as the reader's platform shows it ("never" for a permanent end)."""
        return when(self._ctx, reader, moment)

    def _check_review(self, duration: str | None, review: str | None) -> None:
        """A form's review period: a period, and only with a permanent suspension (what
        the services refuse on submission, said beside the field). A duration that is
        itself wrong is left to the duration field to explain."""
        if not review or not review.strip():
            return
        parse_review_period(review)
        try:
            permanent = duration is not None and parse_duration(duration).permanent
        except CocBotError:
            return
        if not permanent:
            raise InvalidInput(self._say("review_needs_permanent"))

    def _case_ref(self, case: str) -> str:
        """The case reference a person typed; an empty one is asked for politely."""
        if not case.strip():
            raise InvalidInput(self._say("need_case"))
        return case.strip()
