"""Thin discord.py cogs: parse the interaction, call one service, reply privately."""
