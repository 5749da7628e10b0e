"""A local SMTP server in the test process (aiosmtpd, on 127.0.0.1): what it received, and
how it answers (accept, refuse for good with 550, refuse for now with 451, or hang)."""

from __future__ import annotations

import asyncio
import email
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from config.email import EmailSettings
from tests.ports import free_port


@dataclass
class Recorder:
    """The handler: ``mode`` says how the next DATA is answered."""

    mode: str = "accept"  # accept | refuse (550) | later (451) | hang
    received: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.mode == "refuse":
            return "550 5.1.1 <nobody@example.org>: mailbox unavailable"
        if self.mode == "later":
            return "451 4.3.0 try again later"
        if self.mode == "hang":
            await asyncio.Event().wait()  # cancelled when the server stops
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def settings(self, timeout: float = 5.0) -> EmailSettings:
        return EmailSettings(host="127.0.0.1", port=self.port, security="none",
                             sender="conduct@example.org", timeout_seconds=timeout)

    def bodies(self) -> Iterator[str]:
        for message in self.recorder.received:
            payload = message.get_payload(decode=True)
            assert isinstance(payload, bytes)
            yield payload.decode("utf-8")


