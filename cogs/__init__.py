"""Every platform's handlers, one folder each, mirroring one another: ``cogs/discord`` (the
discord.py cogs) and ``cogs/slack`` (the Bolt listeners). Handlers only translate a
platform event into a flow call (``bot/core/flows``) and the outcome into platform UI; each
platform's adapter (the ``Platform`` port, its runner) lives in ``bot/<platform>_io``."""
