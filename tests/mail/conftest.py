from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mail.smtp_server import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()
