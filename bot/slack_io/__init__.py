"""The Slack front-end: a Bolt ``AsyncApp`` over the same core services as Discord.

``workspaces.SlackPlatform`` implements the core's ``Platform`` port over every configured
workspace, routing each call to a ``platform.SlackWorkspace`` (one workspace's bot token
and channels); ``teams`` gives each request its workspace's token and drops requests from
workspaces not configured; the listeners in ``cogs/slack/`` are thin (ack first, then one
flow call); ``runner`` starts it in Socket Mode or HTTP mode from the composition root.
"""
