"""Slack's message markup, read the way automod counts it (shared by the live watcher and
``coc-bot scan``, so an export is scanned exactly as the bot would have seen it).

``<@U…>`` are people, ``<!subteam^S…>`` user groups (like Discord role mentions), and
``<!channel>``, ``<!here>`` or ``<!everyone>`` weigh as a mass mention. Text is read as
Slack sends it: a typed ``&lt;!channel&gt;`` is not a mention.
"""

from __future__ import annotations

import re

from bot.core.automod import MASS_MENTION_WEIGHT

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP_MENTION = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|[^>]*)?>")
_MASS_MENTION = re.compile(r"<!(?:channel|here|everyone)(?:\|[^>]*)?>")


def mentions_in(text: str) -> tuple[int, tuple[str, ...]]:
    """``(mention count, ids of the people mentioned)`` as the automod rules count them."""
    users = tuple(_USER_MENTION.findall(text))
    count = len(users) + len(_GROUP_MENTION.findall(text))
    if _MASS_MENTION.search(text):
        count += MASS_MENTION_WEIGHT
    return count, users
