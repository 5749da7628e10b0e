"""The built-in detectors that are patterns plus a check: personal information, promotion.

Patterns are written for the folded text (lower case, homoglyphs mapped, digits kept) and
run in the same RE2 set as the staff's patterns, so they add almost nothing per message.
Each candidate is then checked in Python, which is where false positives are avoided:
a 16-digit number is a card only if its Luhn digit is right and it starts like one; an
ISBN is not a phone number; "3 books on the way" is not a street address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.automod import _address as address
from bot.core.automod import _pii as pii
from bot.core.automod._patterns import Check, Pattern
from bot.core.automod._pii import luhn_valid
from bot.core.automod.normalize import Normalized

EMAIL = "pii-email"
PHONE = "pii-phone"
CARD = "pii-card"
ADDRESS = "pii-address"
IBAN = "pii-iban"
SSN = "pii-ssn"
ADVERTISING = "advertising"
PII_RULES = (EMAIL, PHONE, CARD, ADDRESS, IBAN, SSN)
DEFAULT_REGION = "US"  # where a phone number written without "+" is assumed to be
# The number and e-mail patterns share one RE2 set for long messages (see
# ``PatternIndex``): in the open form a set holds (``_relax``) their states combine
# cheaply, unlike with the address patterns' (and the e-mail's 64-character count, before
# it was opened, multiplied with everything).
_DIGITS = "numbers"
# Contact details a person may share about themselves, where the operator allows it.
OWN_DETAIL_RULES = (EMAIL, PHONE, ADDRESS)

_EMAIL = r"[a-z0-9][a-z0-9._%+-]{0,63}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\b"
# North American numbers need some formatting (brackets, separators or +1): a bare run of
# ten digits is as likely an ISBN or an order number. International ones need a "+".
_PHONE_NANP = (r"(?:^|[^\d+])((?:\+?1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4})"
               r"(?:[^\d]|$)")
_PHONE_INTL = r"(?:^|[^\d])(\+\d{1,3}[ .-]?(?:\(?\d{1,4}\)?[ .-]?){2,5}\d{2,4})(?:[^\d]|$)"
# National numbers with a trunk prefix ("020 7946 0958", "030 12345678", "01 23 45 67 89")
# and the "00" international prefix; validated for the configured default region.
_PHONE_NATIONAL = (r"(?:^|[^\d+a-z])((?:\(0\d{1,4}\)|0\d{1,4})(?:[ .-]?\d{1,4}){2,6})"
                   r"(?:[^\da-z]|$)")
# Not after "@", "#", "&", "!", "/", ":", "=" or "+" (mention and channel ids, ids in
# links, phone numbers) nor glued to letters: a card number stands on its own.
_CARD = r"(?:^|[^\da-z@#&!/:=+])((?:\d[ -]?){11,18}\d)(?:[^\da-z]|$)"
_SSN = r"(?:^|[^\d-])(\d{3}[ -]\d{2}[ -]\d{4})(?:[^\d-]|$)"
_IBAN = pii.IBAN_PATTERN
_ADDRESS, _PO_BOX = address.STREET, address.PO_BOX
# Every address pattern with its check (None: precise enough alone), for automod and masks.
ADDRESS_PATTERNS: tuple[tuple[str, str, Check | None], ...] = (
    (address.STREET, "street address", address.check_street),
    (address.PO_BOX, "post office box", None),
    (address.MILITARY, "military mail address", None),
    (address.CITY_LINE, "city, state and ZIP code", address.check_city_line),
    (address.NAME_THEN_NUMBER, "street address", address.check_named_street),
    (address.NUMBER_THEN_RUE, "street address", address.check_named_street),
    (address.POSTCODE, "postcode", address.check_postcode),
)

# The same patterns mask personal information in what the bot stores and re-posts.
EMAIL_PATTERN, CARD_PATTERN, ADDRESS_PATTERN, PO_BOX_PATTERN = _EMAIL, _CARD, _ADDRESS, _PO_BOX
PHONE_NANP_PATTERN, PHONE_INTL_PATTERN, PHONE_NATIONAL_PATTERN = (_PHONE_NANP, _PHONE_INTL,
                                                                  _PHONE_NATIONAL)
IBAN_PATTERN, SSN_PATTERN = _IBAN, _SSN

_INVITE = (r"(?:discord(?:app)?\.com/invite|discord\.gg|join\.slack\.com/t|"
           r"chat\.whatsapp\.com|t\.me|telegram\.me)/[a-z0-9_-]+")
_SHORTENERS = (r"\b(?:bit\.ly|tinyurl\.com|t\.co|goo\.gl|ow\.ly|is\.gd|buff\.ly|rebrand\.ly|"
               r"cutt\.ly|shorturl\.at|tiny\.cc|rb\.gy|amzn\.to|amzn\.eu|linktr\.ee)/")
_AFFILIATE = (r"https?://\S*[?&](?:tag|ref|aff|affid|aff_id|affiliate|affiliate_id|ref_id|"
              r"referral|partner)=")
_DISCOUNT = (r"\b(?:(?:promo|discount|coupon|voucher|referral)\s+code|(?:use|enter|apply)"
             r"\s+(?:my\s+|the\s+)?code\s+[a-z0-9]*\d[a-z0-9]*)\b")
_DM_TO_BUY = (r"\b(?:dm|pm|message|inbox|text|whatsapp|contact)\s+me\s+(?:to\s+(?:buy|order|"
              r"purchase)|for\s+(?:prices?|pricing|a\s+quote|rates|orders?))\b")
_PRICE = (r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d{2})?\b|\b\d[\d,]*(?:\.\d{2})?\s?(?:usd|eur|gbp|"
          r"dollars|bucks)\b)")
_SALES = (r"\b(?:buy\s+now|order\s+now|shop\s+now|for\s+sale|limited\s+(?:time|offer)|"
          r"\d{1,2}\s?%\s?off|free\s+shipping|on\s+sale|best\s+price|selling\s+my|"
          r"check\s+out\s+my\s+(?:shop|store|channel|course))\b")
# Spam and scams (the SMS, comment and Discord kinds): prize and win claims, premium-rate
# and short-code replies, "subscribe to my channel", crypto and gift-card lures.
_PRIZE = (r"\b(?:(?:you|u)(?:'ve|\s+have)?\s+(?:won|been\s+(?:specially\s+)?(?:selected|chosen|"
          r"awarded))(?:[\s!.,:]|$)|(?:you\s+are|u\s+r|ur)\s+a\s+winner\b|"
          r"winners?\s+(?:of|for|!)|claim\s+(?:your\s+|a\s+|ur\s+)?(?:free\b|prize|reward|"
          r"cash|voucher|gift|bonus)|(?:cash|prize)\s+(?:prize|reward|award)|free\s+entry|"
          r"guaranteed\s+(?:cash|prize|win)|chance\s+to\s+win|awarded\s+(?:a\s+)?[£$€]|"
          r"(?:won|win)\s+(?:a|an|the)?\s*[£$€]?\d[\d,]*\s*(?:cash|prize|pounds|dollars))")
# "txt WIN to 80608", "reply A, B or C to 83738"; UK premium-rate (09), national-rate
# (087, 084) and personal (070) numbers.
_SHORT_CODE = (r"(?:\b(?:txt|rply|sms)\b[^.!?\n]{0,30}?\bto\s+(?:no:?\s*)?\d{4,6}\b|"
               r"\b(?:text(?:ing)?|reply|send)\b[^.!?\n]{0,30}?\bto\s+(?:no:?\s*)?\d{5,6}\b|"
               r"(?:\b\d|\d\d)(?:\.\d\d)?p\s*(?:/|per\s+|a\s+)(?:msg|sms|min|minute|txt|text|wk|"
               r"week|call|rcvd|recd)\b|\b0(?:9\d|87|84|70)\d[\s-]?\d{3}"
               r"[\s-]?\d{3,5}\b)")
_SUBSCRIBE = (r"\b(?:subscribe\s+to\s+(?:my|our)|sub\s+to\s+my|follow\s+(?:me|my\s+\w+)\s+on\s+"
              r"(?:instagram|insta|tiktok|twitch|youtube|twitter|onlyfans)|check\s+out\s+my\s+"
              r"(?:new\s+)?(?:youtube|channel|video|stream|page|mixtape|song|album|site|website|"
              r"blog|onlyfans))\b")
_SCAM = (r"\b(?:double\s+your\s+(?:bitcoin|btc|eth|crypto|money|investment)|free\s+"
         r"(?:bitcoin|btc|crypto|nitro|gift\s*cards?|robux|v-?bucks|skins)|gift\s*card\s+"
         r"(?:giveaway|code|generator)|crypto\s+(?:giveaway|airdrop)|airdrop|investment\s+"
         r"opportunity|guaranteed\s+(?:profit|returns?))\b")
_URGENT = (r"\b(?:urgent!?|act\s+now|call\s+now|claim\s+now|expires?\s+(?:today|soon)|"
           r"valid\s+(?:for\s+)?\d+\s*(?:hrs|hours|days)|(?:txt|text|reply|send)\s+stop|"
           r"to\s+(?:opt\s*out|unsubscribe)|t\s?&\s?c'?s?\s+apply|free(?:msg|fone|phone)|"
           r"half\s+price|line\s+rental|free\s+delivery|entitled\s+to|congratulations|"
           r"lucky\s+day|\b08(?:00|08)\s?\d{3}\s?\d{3,4}|"
           # opt-out and billing lines: "call2optout", "2stop", "Ts&Cs apply", "StdTxtRate"
           r"(?:call\s*|or\s*)?2\s*(?:opt\s*out|stop)|opt\s*-?\s*out|ts\s?&\s?cs\s+apply|"
           r"std\s*txt\s*rate|free\s+msg)")
# A call to action: "call <number>", "reply YES", "to claim your ...", "4 FREE" (weak: a
# separate signal from the urgency wording above, so the two add up).
_ACTION = (r"\b(?:call\s+(?:[a-z0-9]+\s+){0,3}0\d{9,10}\b|reply\s+(?:with\s+)?(?:yes|no|stop|"
           r"end|now|real|go)\b|(?:to|2)\s+claim\s+(?:your|ur|this|a|call|reply)\b|"
           r"(?:4|for|totally|all)\s+free\b)")

__all__ = ["luhn_valid"]


def inner_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim the non-digit delimiters that the digit patterns match around the number."""
    while start < end and not (text[start].isdigit() or text[start] in "+("):
        start += 1
    while end > start and not text[end - 1].isdigit():
        end -= 1
    return start, end


def trimmed(check: Check) -> Check:
    """``check`` on the number itself, without the delimiters its pattern matched."""
    def run(start: int, end: int, message: Normalized) -> str | None:
        first, last = inner_span(message.folded, start, end)
        return check(first, last, message) if last > first else None
    return run


check_card = trimmed(pii.check_card)
check_ssn = trimmed(pii.check_ssn)


def phone_checks(region: str = DEFAULT_REGION) -> tuple[Check, Check]:
    """Checks for North American-shaped candidates and for all others (in ``region``)."""
    nanp, other = pii.phone_check(region)
    return trimmed(nanp), trimmed(other)


# Addresses that reach a role or a list, not a person: RFC 2142's mailbox names and the
# usual no-reply and robot ones, mailing lists (Mailman's "-request"/"-owner" and common
# list suffixes, "lists." hosts), and names under the special-use top-level domains of
# RFC 2606 and 6761 (and the de facto ".local", ".lan", ".localdomain"), which are not
# mail at all but host names ("root@server.localdomain").
_ROLE_MAILBOXES = frozenset({
    "postmaster", "hostmaster", "webmaster", "abuse", "noc", "security", "info", "sales",
    "marketing", "support", "noreply", "no-reply", "donotreply", "do-not-reply",
    "mailer-daemon", "ftpmaster", "listmaster", "press", "privacy", "legal"})
_LIST_SUFFIXES = ("-request", "-owner", "-bounces", "-announce", "-devel", "-discuss", "-bugs",
                  "-users", "-help", "-commits", "-dev")
_SPECIAL_TLDS = frozenset({"test", "example", "invalid", "localhost", "local", "lan", "home",
                           "internal", "localdomain", "intranet", "corp"})


# Written like an address but not one a person reads mail at: systemd unit instances
# ("openvpn@client.service"), SSH algorithm and extension names (RFC 4251 section 6:
# "chacha20-poly1305@openssh.com"), IRC host masks ("nick@irc.example.net"), and the
# placeholders of examples and documentation ("foo@bar.org", "user@host.com"; not
# "example.org", which tests and documents use for an address like any other).
_SYSTEMD_UNITS = frozenset({"service", "socket", "timer", "mount", "automount", "swap",
                            "target", "path", "slice", "scope", "device"})
_PROTOCOL_DOMAINS = frozenset({"openssh.com", "libssh.org"})
_PLACEHOLDER_LOCALS = frozenset({
    "foo", "bar", "baz", "foobar", "user", "username", "yourname", "your.name", "name",
    "someone", "somebody", "john.doe", "jane.doe", "jdoe", "test", "blabla", "blah",
    "xxx", "my", "me", "you", "your", "email", "youremail", "your.email", "myemail",
    "my.email", "johndoe", "janedoe"})
_PLACEHOLDER_HOSTS = frozenset({"domain", "yourdomain", "mydomain", "somedomain",
                                "host", "hostname", "server", "foo", "bar", "foobar", "doe"})
# A login in a command line: "ssh root@server", "scp f user@host:~/", "rsync -a x u@h:/".
_LOGIN_COMMAND = re.compile(r"\b(?:ssh|scp|sftp|rsync|mosh|ssh-copy-id|telnet|ftp|git\s+clone)"
                            r"(?:\s+(?:-\S*|\S*[/~.:]\S*|\d+))*\s+$")  # options, paths, ports
_LOGIN_TARGET = re.compile(r":[~/.$]|:\d*/")


def mail_address(address: str) -> bool:
    """Whether an address (folded) is somebody's mail: not a role's, a list's, a host
    name, a unit or a protocol name. Masking hides all of these, placeholders too."""
    local, _, domain = address.rpartition("@")
    labels = domain.split(".")
    return not (local in _ROLE_MAILBOXES or local.endswith(_LIST_SUFFIXES)
                or domain.startswith(("lists.", "irc."))
                or labels[-1] in _SPECIAL_TLDS or labels[-1] in _SYSTEMD_UNITS
                or domain in _PROTOCOL_DOMAINS)


def personal_email(address: str) -> bool:
    """Whether an address (folded) is a person's: mail, and not a placeholder.

    A placeholder is judged without its sub-address ("my+1@gmail.com" is "my@gmail.com").
    """
    local, _, domain = address.rpartition("@")
    labels = domain.split(".")
    mailbox = local.split("+", 1)[0]
    return mail_address(address) and not (
        mailbox in _PLACEHOLDER_LOCALS or (len(labels) >= 2 and labels[-2] in _PLACEHOLDER_HOSTS))


def _a_login(start: int, end: int, folded: str) -> bool:
    """Whether the address is a login in a shell command rather than mail."""
    return _LOGIN_TARGET.match(folded, end) is not None \
        or _LOGIN_COMMAND.search(folded[max(0, start - 48):start]) is not None


def check_email(start: int, end: int, message: Normalized) -> str | None:
    address = message.folded[start:end]
    if not personal_email(address) or _a_login(start, end, message.folded):
        return None
    return "email address"


def check_mail_to_mask(start: int, end: int, message: Normalized) -> str | None:
    """Any mail address, a placeholder too: hiding one costs nothing."""
    address = message.folded[start:end]
    if not mail_address(address) or _a_login(start, end, message.folded):
        return None
    return "email address"


def _allowed_email(domains: frozenset[str]) -> Check:
    def check(start: int, end: int, message: Normalized) -> str | None:
        address = message.folded[start:end]
        domain = address.rsplit("@", 1)[-1]
        if any(domain == d or domain.endswith("." + d) for d in domains):
            return None
        return check_email(start, end, message)
    return check


check_address = address.check_street


# "my email is", "reach me at", "I live at": the words right before a contact detail that
# say it is the writer's own. Run (with the stdlib engine, on a fixed pattern) only on the
# 48 characters before a match, so its cost does not grow with the message.
_OWN_CUE = re.compile(
    r"(?:\b(?:my|our)\s+(?:own\s+|personal\s+|work\s+|home\s+|cell\s+|mobile\s+|office\s+)?"
    r"(?:e-?mail(?:\s+address)?|phone(?:\s+number)?|number|cell|mobile|address|"
    r"contact(?:\s+details|\s+info)?)\s*(?:is|:|=|-)?"
    r"|\b(?:reach|contact|e-?mail|call|text|ring|write\s+to|find)\s+me\s*(?:at|on|via)?\s*:?"
    r"|\bi\s*(?:am|'m)\s+at|\bi\s+live\s+at|\bwrite\s+to\s+me\s+at)"
    r"\s*(?:<(?:mailto|tel):|[(<\"'])?\s*$")  # Slack sends <mailto:jo@x.org|jo@x.org>
_OWN_WINDOW = 48


def says_own(folded: str, start: int) -> bool:
    """Whether the words just before ``start`` present what follows as the writer's own."""
    head = folded[:start].rstrip()
    if head.endswith("|"):  # the label of Slack's <mailto:x|x>: look before the link
        opening = head.rfind("<")
        if opening >= 0 and head.startswith(("<mailto:", "<tel:"), opening):
            start = opening
    while start > 0 and not folded[start - 1].isalnum() and folded[start - 1] not in "\"'(<:":
        start -= 1  # the delimiter the digit patterns match before a number
    return _OWN_CUE.search(folded[max(0, start - _OWN_WINDOW):start]) is not None


def _unless_own(check: Check | None, label: str) -> Check:
    """A check that lets a person's own details through (the operator's choice per rule)."""
    def run(start: int, end: int, message: Normalized) -> str | None:
        detail = label if check is None else check(start, end, message)
        if detail is not None and says_own(message.folded, start):
            return None
        return detail
    return run


def pii_patterns(enabled: Iterable[str], email_allowed: frozenset[str],
                 allow_own: bool = False, region: str = DEFAULT_REGION) -> list[Pattern]:
    """Patterns for the PII rules that are configured.

    ``allow_own``: contact details the writer presents as their own ("my email is ...")
    are not findings. Other people's details always are.
    """
    wanted = set(enabled)
    out: list[Pattern] = []
    if EMAIL in wanted:
        out.append(Pattern(EMAIL, _EMAIL, "email address", check=_allowed_email(email_allowed),
                           group=_DIGITS))
    if PHONE in wanted:
        nanp, other = phone_checks(region)
        out.append(Pattern(PHONE, _PHONE_NANP, "phone number", check=nanp, group=_DIGITS))
        out.append(Pattern(PHONE, _PHONE_INTL, "phone number", check=other, group=_DIGITS))
        out.append(Pattern(PHONE, _PHONE_NATIONAL, "phone number", check=other,
                           group=_DIGITS))
    if CARD in wanted:
        out.append(Pattern(CARD, _CARD, "payment card number", check=check_card,
                           group=_DIGITS))
    if IBAN in wanted:
        out.append(Pattern(IBAN, _IBAN, "IBAN", check=pii.check_iban, group=_DIGITS))
    if SSN in wanted:
        out.append(Pattern(SSN, _SSN, "US Social Security number", check=check_ssn,
                           group=_DIGITS))
    if ADDRESS in wanted:
        out += [Pattern(ADDRESS, pattern, label, check=check)
                for pattern, label, check in ADDRESS_PATTERNS]
    if not allow_own:
        return out
    return [Pattern(p.rule_id, p.pattern, p.label, p.view, _unless_own(p.check, p.label),
                    p.weight, group=p.group) if p.rule_id in OWN_DETAIL_RULES else p
            for p in out]


def advertising_patterns(allowed_invites: frozenset[str], strong: int = 2,
                         weak: int = 1) -> list[Pattern]:
    """Promotion signals; strong ones suffice alone, weak ones need company."""

    def check_invite(start: int, end: int, message: Normalized) -> str | None:
        link = message.folded[start:end]
        if any(link.endswith(allowed) or allowed.endswith(link) for allowed in allowed_invites):
            return None
        return f"invite link to another community ({link})"

    return [
        Pattern(ADVERTISING, _INVITE, "invite link", check=check_invite, weight=strong),
        Pattern(ADVERTISING, _AFFILIATE, "affiliate link", weight=strong),
        Pattern(ADVERTISING, _DISCOUNT, "discount code", weight=strong),
        Pattern(ADVERTISING, _DM_TO_BUY, "\"DM me to buy\"", weight=strong),
        Pattern(ADVERTISING, _SHORTENERS, "shortened or affiliate link", weight=weak),
        Pattern(ADVERTISING, _PRICE, "price", weight=weak),
        Pattern(ADVERTISING, _SALES, "sales wording", weight=weak),
        Pattern(ADVERTISING, _PRIZE, "prize or win claim", weight=strong),
        Pattern(ADVERTISING, _SHORT_CODE, "premium-rate or short-code reply", weight=strong),
        Pattern(ADVERTISING, _SUBSCRIBE, "\"subscribe to my channel\"", weight=strong),
        Pattern(ADVERTISING, _SCAM, "crypto or gift-card lure", weight=strong),
        Pattern(ADVERTISING, _URGENT, "urgency or opt-out wording", weight=weak),
        Pattern(ADVERTISING, _ACTION, "call to action", weight=weak),
    ]


DEFAULT_POLITICAL_PHRASES = (
    "boycott", "boycotting", "#boycott", "don't buy from", "do not buy from",
    "stop shopping at", "vote republican", "vote democrat", "vote democratic", "vote gop",
    "vote blue", "vote red", "vote them out", "re-elect", "reelect", "elect him",
    "elect her", "donate to his campaign", "donate to her campaign",
    "donate to the campaign", "donate to their campaign", "campaign donation",
    "paid for by", "endorse this candidate", "volunteer for the campaign",
    "canvass for", "phone bank for", "sign the recall petition",
)
