"""``coc-bot scan``: what automod would have flagged in exported chat history.

Staff tune the rules on real history before turning them on: the export is read, every
message is fed to the configured :class:`~bot.core.automod.Automod` in the order it was
sent (the repetition rules use the message times), and the detections are summed up per
rule and per channel, with a few examples of each. Nothing is sent anywhere and no
database is opened.

Two export formats are read, told apart by their shape:

- DiscordChatExporter's JSON: one file per channel with ``guild``, ``channel`` and
  ``messages`` (or a folder of such files).
- Slack's workspace export: a folder (or the ``.zip`` Slack hands out) with
  ``channels.json``, ``users.json`` and one folder per channel of ``YYYY-MM-DD.json`` files;
  private channels (``groups.json``) too when the export has them. Direct messages are
  skipped, as the bot does not watch them.

Messages are handed to automod the way the live front-ends hand them over (``cogs/discord/watch``,
``cogs/slack/watch``): bots and system messages skipped, Slack text as Slack
escapes it, ``@everyone``-style mentions counting 50, so the counts are what the bot
would have done.
"""

from bot.scan._common import DEFAULT_SLACK_TEAM, ExportError, ExportMessage
from bot.scan._read import read_export
from bot.scan._report import ScanReport, scan_exports

__all__ = [
    "DEFAULT_SLACK_TEAM",
    "ExportError",
    "ExportMessage",
    "ScanReport",
    "read_export",
    "scan_exports",
]
