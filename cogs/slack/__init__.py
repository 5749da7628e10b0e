"""Slack's handlers (Bolt listeners): ack within Slack's 3 seconds, then one flow call,
then a private reply. Core errors reach :func:`_common.guard`, the one place they become
polite text."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from cogs.slack import (
    committee,
    events,
    forms,
    hearing,
    home,
    outcomes,
    participants,
    reports,
    roster,
    staff,
    staff_commands,
    watch,
)


def register_all(bolt: AsyncApp) -> None:
    for module in (reports, staff, staff_commands, forms, roster, committee, participants,
                   events, hearing, watch, home, outcomes):  # hearing's DM listener before watch's
        module.register(bolt)


__all__ = ["register_all"]
