"""Discord's handlers (discord.py cogs): parse the interaction, call a flow, show the
outcome."""
