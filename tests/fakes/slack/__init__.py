"""A working fake of the Slack Web API (and Socket Mode) on 127.0.0.1, for end-to-end tests."""

from tests.fakes.slack.server import Call, FakeSlack

__all__ = ["Call", "FakeSlack"]
