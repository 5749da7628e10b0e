"""Text the bot re-posts is inert unless the bot itself wrote the markup.

Members type report reasons, appeal reasons, motion texts; the bot quotes them into the
staff queue, the committee's channel, DMs. Both platforms give some character sequences a
meaning beyond the words: on Slack ``<!channel>``, ``<!here>``, ``<!everyone>``,
``<!subteam^S123>`` ping whole groups, ``<@U123>`` pings a person, ``<#C1>`` links a
channel and ``<https://evil|harmless words>`` hides a link behind other words; on Discord
``@everyone``, ``@here``, ``<@123>``, ``<@&role>``, ``<#channel>`` and masked links
``[harmless words](https://evil)``.

The rule is default-safe: every value interpolated into a message template is neutralised
(:func:`neutralise`) unless it is :class:`Trusted`, which only the bot's own markup is: a
platform adapter's ``mention()`` and ``format_time()``, the core's ``mention_place()``,
operator configuration, and a template already rendered (whose values were neutralised
when it was rendered).

Neutralising inserts a zero-width joiner (U+200D) after every ``<`` and ``@`` and between
``](``. It is platform-neutral, invisible to a reader, keeps every character the person
typed (so the committee reads exactly what was written), and is idempotent. The Slack
adapter goes one step further and writes ``<`` + joiner as ``&lt;``, Slack's own escape,
so Slack's parser never sees a control sequence (see ``bot.slack_io.blocks.mrkdwn``).
Automod folds zero-width characters away, so neutralised text still matches its rules.
"""

from __future__ import annotations

import re

ZWJ = "\u200d"

# A "<" or "@" not already followed by the joiner, and "](" (a Discord masked link).
_UNSAFE = re.compile(r"(?<=[<@])(?!\u200d)|(?<=\])(?=\()")


class Trusted(str):
    """Markup the bot wrote itself (a mention, a channel link, a time): never neutralised.

    String operations on a ``Trusted`` return a plain ``str``, so text built by
    concatenating user input with trusted markup loses the mark and is neutralised:
    wrap only what the bot wrote, after it has neutralised what it did not.
    """

    __slots__ = ()


def neutralise(text: str) -> str:
    """``text`` with every ping, channel link, and link-with-other-words made inert."""
    if isinstance(text, Trusted):
        return text
    if "<" not in text and "@" not in text and "](" not in text:
        return text
    return _UNSAFE.sub(ZWJ, text)


def trusted(text: str) -> Trusted:
    """Mark text the bot wrote as safe to post as it is."""
    return text if isinstance(text, Trusted) else Trusted(text)
