"""The SMTP sender behind the core's ``Mailer`` port (``[email]``, aiosmtplib).

How a failure is read, per RFC 5321: a 5xx reply is the server's final word (the mailbox
does not exist, relaying is refused, the login is wrong), so the e-mail fails at once and
staff are told; a 4xx reply, a timeout or a connection that cannot be made may pass, so the
outbox retries it with backoff. The error kept and shown to staff is the reply's code and
kind, never the server's text, which often repeats the person's address.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from bot.core.errors import DeliveryFailed, PlatformUnavailable
from bot.core.ports import Email
from config.email import EmailSettings


class SmtpMailer:
    def __init__(self, settings: EmailSettings, password: str | None) -> None:
        self._settings = settings
        self._password = password

    def message(self, email: Email) -> EmailMessage:
        """A plain-text message; the ``Message-ID`` is the outbox row's, so a resend after
        a crash is recognisably the same message."""
        domain = self._settings.sender.rsplit("@", 1)[-1]
        message = EmailMessage()
        message["From"] = self._settings.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = f"<{email.message_id}@{domain}>"
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        message.set_content(email.body)
        return message

    async def send(self, email: Email) -> None:
        settings = self._settings
        try:
            await aiosmtplib.send(
                self.message(email), hostname=settings.host, port=settings.port,
                use_tls=settings.security == "tls",
                start_tls=settings.security == "starttls",
                username=settings.username, password=self._password if settings.username
                else None, timeout=settings.timeout_seconds,
                tls_context=ssl.create_default_context()
                if settings.security != "none" else None)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            _raise_for(min(codes) if codes else 550, "refused the recipient")
        except aiosmtplib.SMTPResponseException as exc:
            _raise_for(exc.code, "refused the message")
        except aiosmtplib.SMTPTimeoutError:
            raise PlatformUnavailable("the mail server did not answer in time") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise PlatformUnavailable(f"the mail server could not be reached "
                                      f"({type(exc).__name__})") from None


def _raise_for(code: int, what: str) -> None:
    if 500 <= code < 600:
        raise DeliveryFailed(f"the mail server {what} ({code})")
    raise PlatformUnavailable(f"the mail server {what} for now ({code})")
