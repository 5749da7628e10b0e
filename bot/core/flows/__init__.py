"""Interaction flows: what a person does with the bot, written once for every platform.

A flow takes what the person gave (already typed by the front-end: an :class:`Actor`,
references, the words they typed), calls the services, and returns an :class:`Outcome`:
the text of the private reply, taken from the templates, plus what else the person must
see next (a clause to choose, a form to fill, a staff-queue message to mark done).

Front-ends (Discord cogs, Slack listeners) only translate: a platform event into a flow
call, and an :class:`Outcome` into the platform's UI (an ephemeral reply, a select, a
modal, an edited message). What a flow needs to know about the platform itself (the
standing of a member it acts on, the author of a message) it asks a :class:`Directory`
the front-end hands in. Every permission rule stays in the services; a flow never checks
a role itself, so no front-end can forget one.

One module per noun: ``staff`` (the report queue, removal, suspension), ``reports``
(participants' reports), ``committee`` (recusal, motions, votes, counsel, decisions),
``appeals`` and ``code`` (the Code of Conduct and its acceptance).
"""

from bot.core.flows._directory import Directory
from bot.core.flows._outcome import (
    Choice,
    ClauseQuestion,
    Outcome,
    StatementForm,
    SuspendForm,
)

__all__ = ["Choice", "ClauseQuestion", "Directory", "Outcome", "StatementForm", "SuspendForm"]
