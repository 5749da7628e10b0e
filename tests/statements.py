"""The reported person gives their statement: the step the Review Protocols ask before a
decision, shared by the core harness and both platforms' test worlds."""

from __future__ import annotations

from bot.core.models import Actor
from bot.core.services import Services

STATEMENT = "My side: it was a misunderstanding."


async def hear(services: Services, case: str) -> None:
    """The case's subject gives a statement through the hearing service (the statement
    form itself is tested in each test_hearing.py), so a test about what follows a
    decision starts from a subject who was heard; deciding before that is
    tests/core/flows/test_decide_unheard.py."""
    subject = (await services.cases.get(case)).subject
    await services.hearing.submit(Actor(subject), case, STATEMENT)
