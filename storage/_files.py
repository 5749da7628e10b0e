"""The database's files on disk: private from the moment they exist, and watched.

The case log holds reports, reporters and sanctions, so nobody but the bot's own user may
read it. Under the usual umask 022, SQLite creates a new database 0644 (readable by every
local user). Rather than change the process umask (it is process-wide and not
thread-safe: aiosqlite's worker thread, logging handlers and the platform clients create
files at the same time), the bot creates each new database or backup file itself, empty
and 0600, before SQLite opens it. SQLite then gives the ``-wal``, ``-shm`` and
``-journal`` files it creates beside a database the same mode as that database (it
``fchmod``\\s them to match, whatever the umask), so they are private too.

A database that already exists is never chmod-ed behind the operator's back (a group may
have been given access on purpose, e.g. for a backup agent); if others can read it, the
bot says so at start-up with the command that fixes it.

``FileIdentity`` is how the bot notices that its database file was deleted or replaced
while it runs: the open connection keeps writing into the unlinked file, so every record
since would vanish at exit. It is one ``os.stat`` per check (about a microsecond).
"""

from __future__ import annotations

import glob
import logging
import os
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.core.errors import StorageError

log = logging.getLogger(__name__)

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700


def database_path(path: str) -> Path:
    """The absolute path of a database file, as SQLite will open it (``~`` expanded)."""
    return Path(os.path.abspath(Path(path).expanduser()))


def ensure_folder(file: Path) -> None:
    """Make sure the folder for ``file`` exists; create it 0700 if only it is missing.

    One missing level is created (``mkdir`` without ``-p``): ``data/coc-bot.db`` works
    out of the box, while a mistyped parent path is still refused rather than creating a
    stray tree of folders somewhere unexpected.
    """
    folder = file.parent
    if folder.is_dir():
        return
    if not folder.parent.is_dir():
        raise StorageError(f"The folder for {file} does not exist; create it or point "
                           "DATABASE_URL somewhere else.")
    try:
        folder.mkdir(mode=PRIVATE_FOLDER)
        os.chmod(folder, PRIVATE_FOLDER)  # exact, whatever the umask
    except FileExistsError:
        pass  # another process created it at the same moment
    except OSError as exc:
        raise StorageError(f"Could not create the folder {folder}: {exc.strerror}.") from exc
    else:
        log.info("created the private folder %s (mode 0700)", folder)


def create_private_file(file: Path) -> bool:
    """Create ``file`` empty with mode 0600 if it does not exist; True if created here.

    ``O_EXCL`` makes this atomic: an existing file (or one created by another process at
    the same instant) is left exactly as it is. An empty file is a valid empty database.
    """
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                     PRIVATE_FILE)
    except FileExistsError:
        return False
    except OSError as exc:
        raise StorageError(f"Could not create {file}: {exc.strerror}. Check the folder's "
                           "permissions.") from exc
    try:
        os.fchmod(fd, PRIVATE_FILE)  # a umask such as 0o277 must not leave it unwritable
    finally:
        os.close(fd)
    return True


def prepare_database_file(file: Path) -> None:
    """Folder present (0700 if created here), file present (0600 if created here), and a
    warning if an existing file is open to others. A new, empty database is refused while a
    rescued copy of a lost one lies beside it."""
    ensure_folder(file)
    if not create_private_file(file):
        warn_if_readable_by_others(file)
        return
    rescued = sorted(file.parent.glob(f"{glob.escape(file.name)}.rescued-*"))
    if rescued:
        # The last run lost this file and saved its records beside it: starting now would
        # quietly begin an empty case log (e.g. a service manager restarting the bot).
        file.unlink()
        raise StorageError(
            f"The database {file} does not exist, but {rescued[-1]} does: coc-bot saved it "
            f"when the database was lost. Move it to {file} to carry on, or rename it (away "
            "from the .rescued- name) to start with an empty case log.")


def warn_if_readable_by_others(file: Path) -> int | None:
    """Log a warning if users other than the owner can access ``file``; return its mode."""
    try:
        mode = stat.S_IMODE(os.stat(file).st_mode)
    except OSError:
        return None
    if mode & 0o077:
        log.warning(
            "the database %s has mode %s: other users on this machine can read the case "
            "log. Restrict it with: chmod 600 %s %s-wal %s-shm (see README, \"Protecting "
            "the database\")", file, f"{mode:04o}", file, file, file)
    return mode


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """Which file a path named when the database was opened (device and inode)."""

    file: Path
    device: int
    inode: int

    @classmethod
    def of(cls, file: Path) -> FileIdentity:
        found = os.stat(file)
        return cls(file, found.st_dev, found.st_ino)

    def problem(self) -> str | None:
        """None while the path still names the opened file; else what happened to it."""
        try:
            now = os.stat(self.file)
        except FileNotFoundError:
            return "was deleted"
        except OSError as exc:
            return f"can no longer be reached ({exc.strerror})"
        if (now.st_dev, now.st_ino) != (self.device, self.inode):
            return "was replaced by another file"
        return None


def rescue_path(file: Path, now: datetime) -> Path:
    """Where the records of a lost database are saved: beside it, named by the time."""
    return file.with_name(f"{file.name}.rescued-{now:%Y%m%dT%H%M%SZ}")


def lost_report(file: Path, problem: str, rescue: Path | None, why: str = "") -> str:
    """What the operator is told when the database file went away under the bot."""
    if rescue is not None:
        saved = (f"Every record it held was saved to {rescue}: move that file to {file} "
                 "(or restore your latest backup there) before starting coc-bot again.")
    else:
        saved = (f"A rescue copy could not be written ({why}); restore {file} from your "
                 "latest backup before starting coc-bot again.")
    return (f"The database file {file} {problem} while coc-bot was running. coc-bot is "
            "stopping so that no record is written into a file that no longer exists (it "
            f"would be lost when the process exits). {saved} Starting without it would "
            "begin an empty case log.")
