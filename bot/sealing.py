"""Sealing anonymous reporters: the ``Sealer`` port on ``cryptography``'s Fernet.

* ``box``: the account key encrypted with MultiFernet. The first key in
  ``COC_BOT_SEAL_KEYS`` seals, every key opens, so a new key can be put first and the
  stored boxes re-encrypted (``coc-bot reseal``) before the old key is dropped.
* ``tag``: HMAC-SHA256 of the account key under a random tag key. The tag key is kept in
  the database (``seal_keys``) wrapped by the seal key: a rotation re-wraps it, so tags
  never change, and a stolen database without the environment's key cannot compute the
  tag of any account.

With no key in the environment, a key file is created next to the SQLite database (mode
0600) and a warning says how to move it into the environment; an in-memory database gets
an ephemeral key. Losing the key makes sealed identities unrecoverable (reports survive).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
from dataclasses import replace
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.core.clock import Clock
from bot.core.errors import SealError
from bot.core.identity import PersonRef
from bot.core.models import Appeal, Case, Report, SealKey
from bot.core.ports import Sealed, Storage
from storage.url import PostgresTarget, parse_database_url

log = logging.getLogger(__name__)

SEAL_KEYS_ENV = "COC_BOT_SEAL_KEYS"
TAG_KEY_ID = "tag-key"
KEY_FILE_SUFFIX = ".seal-key"


class FernetSealer:
    """Seal, tag and open account keys; every failure is a ``SealError``."""

    def __init__(self, keys: MultiFernet, tag_key: bytes) -> None:
        self._keys = keys
        self._tag_key = tag_key

    def seal(self, person: PersonRef) -> Sealed:
        box = self._keys.encrypt(person.key.encode()).decode("ascii")
        return Sealed(box=box, tag=self.tag(person))

    def tag(self, person: PersonRef) -> str:
        return hmac.new(self._tag_key, person.key.encode(), hashlib.sha256).hexdigest()

    def open(self, box: str) -> PersonRef:
        try:
            return PersonRef.parse(self._keys.decrypt(box.encode("ascii")).decode())
        except (InvalidToken, UnicodeError) as exc:
            raise SealError(_WRONG_KEY) from exc

    def rotate(self, box: str) -> str:
        """The same box re-encrypted with the first (current) key."""
        try:
            return self._keys.rotate(box.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise SealError(_WRONG_KEY) from exc


_WRONG_KEY = ("A sealed reporter identity could not be opened with any key in "
              f"{SEAL_KEYS_ENV}. Was a key removed before `coc-bot reseal` ran? Put the "
              "old key back (after the new one) and run `coc-bot reseal`.")


def generate_key() -> str:
    """A fresh seal key, for ``coc-bot keygen``."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(text: str | None) -> MultiFernet:
    """``COC_BOT_SEAL_KEYS``: comma-separated Fernet keys, the first one seals."""
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    if not parts:
        raise SealError(f"{SEAL_KEYS_ENV} holds no key. Generate one with `coc-bot keygen`.")
    fernets = []
    for number, part in enumerate(parts, start=1):
        try:
            fernets.append(Fernet(part.encode("ascii")))
        except (ValueError, UnicodeError) as exc:
            raise SealError(f"Key {number} in {SEAL_KEYS_ENV} is not a valid seal key "
                            "(32 url-safe base64 bytes); generate one with "
                            "`coc-bot keygen`.") from exc
    return MultiFernet(fernets)


def resolve_keys(env_value: str | None, database_url: str) -> MultiFernet:
    """The environment's keys; else a key file beside the database (created 0600 on first
    use, with a warning); else, for an in-memory database, an ephemeral key."""
    if env_value:
        return parse_keys(env_value)
    target = parse_database_url(database_url)
    if isinstance(target, PostgresTarget):
        raise SealError(f"{SEAL_KEYS_ENV} is not set. On PostgreSQL there is no database "
                        "file to keep a key beside: generate one with `coc-bot keygen` "
                        f"and set {SEAL_KEYS_ENV} to it, the same value "
                        "in every coc-bot process.")
    if target.in_memory:
        return parse_keys(generate_key())
    key_file = Path(target.path + KEY_FILE_SUFFIX)
    created = _ensure_key_file(key_file)
    log.warning(
        "%s is not set; anonymous reporters are sealed with the key in %s%s. Anyone who "
        "can read that file and the database can unseal them: move the key into the "
        "environment (%s=<the file's content>, e.g. in the service's EnvironmentFile), then "
        "delete the file. Losing the key makes sealed identities unrecoverable.",
        SEAL_KEYS_ENV, key_file, " (just created)" if created else "", SEAL_KEYS_ENV)
    try:
        return parse_keys(key_file.read_text(encoding="ascii"))
    except (OSError, UnicodeError) as exc:
        raise SealError(f"The seal key file {key_file} cannot be read ({exc}); set "
                        f"{SEAL_KEYS_ENV} instead.") from exc


def _ensure_key_file(path: Path) -> bool:
    """Create the key file atomically (written aside, then linked into place), so two
    processes starting together never read a half-written key; False if it existed."""
    if path.exists():
        return False
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".seal-key-")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(generate_key() + "\n")
            os.link(temp, path)
        finally:
            os.unlink(temp)
    except FileExistsError:
        return False
    except OSError as exc:
        raise SealError(f"Could not create the seal key file {path} ({exc}); set "
                        f"{SEAL_KEYS_ENV} (generate a key with `coc-bot keygen`).") from exc
    return True


async def load_sealer(storage: Storage, keys: MultiFernet, clock: Clock) -> FernetSealer:
    """The sealer for this database: its tag key unwrapped (or created on first use)."""
    async with storage.transaction() as tx:
        stored = await tx.get(SealKey, TAG_KEY_ID)
        if stored is None:
            tag_key = secrets.token_bytes(32)
            # Several processes starting on a new database race here: one key wins, and
            # the others use the winner's (read back below), never one of their own.
            if await tx.insert_new(SealKey(id=TAG_KEY_ID, created_at=clock.now(),
                                           wrapped=keys.encrypt(tag_key).decode("ascii"))):
                return FernetSealer(keys, tag_key)
            stored = await tx.get(SealKey, TAG_KEY_ID)
            assert stored is not None
    try:
        return FernetSealer(keys, keys.decrypt(stored.wrapped.encode("ascii")))
    except InvalidToken as exc:
        raise SealError(f"None of the keys in {SEAL_KEYS_ENV} opens this database's sealed "
                        "identities; it was sealed with another key. Set the key it was "
                        "created with (keep it, after a new one, to rotate).") from exc


async def setup_sealing(storage: Storage, env_value: str | None, database_url: str,
                        clock: Clock) -> FernetSealer:
    """Load the keys, give the storage its sealer, seal anything left from before 0003."""
    sealer = await load_sealer(storage, resolve_keys(env_value, database_url), clock)
    storage.use_sealer(sealer)
    sealed = await seal_legacy(storage, sealer)
    if sealed:
        log.info("sealed %d anonymous reporter record(s) stored before sealing existed",
                 sealed)
    return sealer


async def seal_legacy(storage: Storage, sealer: FernetSealer) -> int:
    """Anonymous reports (and their cases and reporter appeals) stored in plain text by an
    older version: seal them and blank the plain account."""
    count = 0
    async with storage.transaction() as tx:
        for report in await tx.find(Report, anonymous=True, reporter__ne=None):
            assert report.reporter is not None
            plain = report.reporter
            sealed = sealer.seal(plain)
            await tx.update(replace(report, reporter=None, reporter_sealed=sealed.box,
                                    reporter_tag=sealed.tag))
            count += 1
            for case in await tx.find(Case, report_id=report.id, reporter=plain):
                await tx.update(replace(case, reporter=None, reporter_sealed=sealed.box,
                                        reporter_tag=sealed.tag))
                for appeal in await tx.find(Appeal, case_id=case.id, appellant=plain):
                    await tx.update(replace(appeal, appellant=None,
                                            appellant_sealed=sealed.box,
                                            appellant_tag=sealed.tag))
    return count


async def reseal(storage: Storage, sealer: FernetSealer) -> int:
    """Re-encrypt every sealed value (and the wrapped tag key) with the current key."""
    count = 0
    async with storage.transaction() as tx:
        for report in await tx.find(Report, reporter_sealed__ne=None):
            assert report.reporter_sealed is not None
            await tx.update(replace(report, reporter_sealed=sealer.rotate(report.reporter_sealed)))
            count += 1
        for case in await tx.find(Case, reporter_sealed__ne=None):
            assert case.reporter_sealed is not None
            await tx.update(replace(case, reporter_sealed=sealer.rotate(case.reporter_sealed)))
            count += 1
        for appeal in await tx.find(Appeal, appellant_sealed__ne=None):
            assert appeal.appellant_sealed is not None
            await tx.update(replace(appeal,
                                    appellant_sealed=sealer.rotate(appeal.appellant_sealed)))
            count += 1
        stored = await tx.get(SealKey, TAG_KEY_ID)
        if stored is not None:
            await tx.update(replace(stored, wrapped=sealer.rotate(stored.wrapped)))
    return count
