"""The Slack front-end: a Bolt ``AsyncApp`` over the same core services as Discord.

``platform.SlackPlatform`` implements the core's ``Platform`` port with Web API calls;
``listeners/`` are thin Bolt listeners (ack first, then one service call); ``runner``
starts it in Socket Mode or HTTP mode from the composition root.
"""
