"""The Discord front-end: the Platform port on discord.py, the client, and its views."""
