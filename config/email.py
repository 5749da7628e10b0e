"""``[email]``: the SMTP server that carries notices to people whose DMs are closed.

Off unless the table is present. The password is read only from the environment
(``COC_BOT_SMTP_PASSWORD``), never from the file, which may be committed. Plain SMTP
(``security = "none"``) is allowed only to a server on this machine (a local relay), so a
password or a person's notice never crosses a network in clear.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from bot.core.errors import ConfigError
from bot.core.ports import NoticeKind
from bot.core.services._context import WRITTEN_NOTICES, EmailReach
from config._reader import Table

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
DM_KINDS = frozenset({NoticeKind.REMOVAL_DM, NoticeKind.SANCTION_DM, NoticeKind.LIFT_DM,
                      NoticeKind.DECISION_DM, NoticeKind.APPEAL_DECIDED_DM, NoticeKind.INFO})
"""Notices to one person that may go by e-mail (not ones carrying buttons to press)."""


@dataclass(frozen=True, slots=True)
class EmailSettings:
    host: str
    port: int
    security: str  # starttls | tls | none
    sender: str  # the From address (``from`` in the file)
    username: str | None = None
    timeout_seconds: float = 30.0
    reach: EmailReach = field(default_factory=EmailReach)

    def describe(self) -> str:
        """For check-config: where e-mail goes and when, never the password."""
        login = f" as {self.username}" if self.username else " without login"
        kinds = ", ".join(sorted(k.value for k in self.reach.fallback)) or "none"
        also = ", ".join(sorted(k.value for k in self.reach.always))
        return (f"E-mail: {self.host}:{self.port} ({self.security}){login}, from "
                f"{self.sender}; when DMs are closed: {kinds}"
                + (f"; also by e-mail: {also}" if also else ""))


def read_email(table: Table, password: str | None) -> EmailSettings:
    if table.has("password"):
        raise ConfigError(f"config key '{table.key('password')}': the SMTP password is never "
                          "read from the file; set COC_BOT_SMTP_PASSWORD instead.")
    host = table.text("host", required=True).strip()
    security = table.text("security", "starttls")
    if security not in SECURITY:
        raise ConfigError(f"config key '{table.key('security')}' must be one of "
                          f"{', '.join(SECURITY)}, not '{security}'.")
    if security == "none" and not _local(host):
        raise ConfigError(f"config key '{table.key('security')}': plain SMTP is allowed only "
                          f"to a server on this machine, not {host}; use starttls or tls.")
    port = table.integer("port", DEFAULT_PORTS[security], minimum=1, maximum=65535)
    sender = _address(table, "from")
    username = table.opt_text("username")
    if username and not password:
        raise ConfigError(f"config key '{table.key('username')}' is set but the environment "
                          "variable COC_BOT_SMTP_PASSWORD is not.")
    if password and not username:
        raise ConfigError(f"COC_BOT_SMTP_PASSWORD is set but config key "
                          f"'{table.key('username')}' is not.")
    timeout = table.number("timeout_seconds", 30.0, minimum=1.0)
    reach = EmailReach(fallback=_kinds(table, "when_dms_closed", WRITTEN_NOTICES),
                       always=_kinds(table, "always", frozenset()))
    table.finish()
    return EmailSettings(host=host, port=port, security=security, sender=sender,
                         username=username or None, timeout_seconds=timeout, reach=reach)


def _address(table: Table, name: str) -> str:
    value = table.text(name, required=True)
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ConfigError(f"config key '{table.key(name)}': '{value}' is not an e-mail "
                          f"address ({exc}).") from None


def _kinds(table: Table, name: str, default: frozenset[NoticeKind]) -> frozenset[NoticeKind]:
    if not table.has(name):
        table.raw(name)
        return default
    allowed = sorted(k.value for k in DM_KINDS)
    kinds = set()
    for value in table.text_list(name):
        if value not in allowed:
            raise ConfigError(f"config key '{table.key(name)}': '{value}' is not a notice "
                              f"that may be e-mailed; choose from {', '.join(allowed)}.")
        kinds.add(NoticeKind(value))
    return frozenset(kinds)


def _local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
