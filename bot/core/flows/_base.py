"""What every flow shares: the services, and replies rendered from the templates."""

from __future__ import annotations

from bot.core.errors import InvalidInput
from bot.core.markup import Trusted
from bot.core.services import Services


class Flows:
    """Base of each noun's flows: ``_say`` renders a template (values made safe)."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._ctx = services.ctx

    def _say(self, template: str, **values: object) -> Trusted:
        return self._ctx.messages.render(template, **values)

    def _case_ref(self, case: str) -> str:
        """The case reference a person typed; an empty one is asked for politely."""
        if not case.strip():
            raise InvalidInput(self._say("need_case"))
        return case.strip()
