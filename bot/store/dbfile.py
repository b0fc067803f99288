"""The database file on disk: created private, faults told in one line, checks for `check`."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

# The database holds health answers: only the bot's own user may read it.
PRIVATE = 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")


class DatabaseFileError(Exception):
    """The database file or its folder cannot be used; the message names the file."""


def on_disk(path: Path | str) -> Path | None:
    """Return the file a database path names, or None for an in-memory database."""
    text = str(path)
    if text == ":memory:" or text.startswith("file:") or text == "":
        return None
    return Path(text)


def create_private(path: Path | str) -> None:
    """Make sure the database's folder exists, and create the file 0600 if it is missing.

    SQLite creates its -wal and -shm files with the database file's mode, so those are
    private too. Files made by an older version (0644) are tightened by `make_private`.
    """
    file = on_disk(path)
    if file is None:
        return
    if not file.parent.is_dir():
        raise DatabaseFileError(f"database {file}: the folder {file.parent} does not exist")
    if file.exists() and not file.is_file():
        raise DatabaseFileError(f"database {file}: is a folder or device, not a database file")
    try:
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:
        make_private(file)
    except OSError as exc:
        raise DatabaseFileError(f"database {file}: cannot create it: {exc.strerror}") from None


def make_private(path: Path | str) -> None:
    """Take group and other permissions off the database and its side files that exist."""
    file = on_disk(path)
    if file is None:
        return
    for each in (file, *(file.with_name(file.name + s) for s in SIDE_FILES)):
        if not each.is_file():
            continue  # a folder given as the database is reported by the open, never chmod-ed
        try:
            mode = stat.S_IMODE(each.stat().st_mode)
            if mode & 0o077:
                # Keep the owner's bits: a database made read-only on purpose stays so.
                os.chmod(each, mode & 0o700)
        except OSError:
            continue  # missing, or not ours: the open itself reports what matters


def problem(path: Path | str, exc: BaseException) -> str:
    """Say in one line what is wrong with the database, from SQLite's error."""
    text = str(exc)
    lower = text.lower()
    if "not a database" in lower:
        what = "is not a SQLite database (damaged, or another kind of file)"
    elif "malformed" in lower or "corrupt" in lower:
        what = "is damaged (SQLite: database disk image is malformed); restore a backup"
    elif "readonly" in lower or "read-only" in lower:
        what = (
            "is read-only: the bot must be able to write to it and to its folder "
            "(for its -wal and -shm files)"
        )
    elif "unable to open" in lower:
        what = "cannot be opened: check that it and its folder are readable and writable"
    elif "disk is full" in lower or "disk i/o" in lower:
        what = f"cannot be written ({text})"
    else:
        what = f"cannot be used ({text})"
    return f"database {path} {what}"


def check_warnings(path: Path | str) -> list[str]:
    """Return warnings about who else may read the database: its folder and its files."""
    file = on_disk(path)
    if file is None:
        return []
    warnings = []
    folder = file.parent.resolve()
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o006:
        can = " and ".join(w for b, w in ((0o004, "read"), (0o002, "write")) if mode & b)
        warnings.append(
            f"warning: others can {can} the database folder {folder} "
            f"(mode {mode:03o}); make it private with: chmod o-rwx {folder}"
        )
    if file.exists() and stat.S_IMODE(file.stat().st_mode) & 0o077:
        warnings.append(
            f"warning: database {file} can be read by others than its owner; "
            "the bot makes it 0600 when it next opens it"
        )
    return warnings


def inspect(path: Path | str, newest: int) -> int | None:
    """Check an existing database without changing it; return its schema version.

    Return None when there is no database yet. Raise DatabaseFileError for a missing
    folder, a file SQLite cannot read, a damaged one, a read-only one, or one from a
    newer version of the bot.
    """
    file = on_disk(path)
    if file is None:
        return None
    if not file.parent.is_dir():
        raise DatabaseFileError(f"database {file}: the folder {file.parent} does not exist")
    if file.exists() and not file.is_file():
        raise DatabaseFileError(f"database {file}: is a folder or device, not a database file")
    if not file.exists():
        return None
    try:
        db = sqlite3.connect(file, isolation_level=None, timeout=5)
    except sqlite3.Error as exc:
        raise DatabaseFileError(problem(file, exc)) from None
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if version > newest:
            raise DatabaseFileError(
                f"database {file} has schema version {version}, newer than this bot "
                f"({newest}); upgrade the bot"
            )
        damage = [str(r[0]) for r in db.execute("PRAGMA quick_check").fetchall()]
        if damage != ["ok"]:
            raise DatabaseFileError(problem(file, sqlite3.DatabaseError("malformed")))
        probe_write(db, version)
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):  # in use by the bot: fine
            raise DatabaseFileError(problem(file, exc)) from None
    except sqlite3.Error as exc:
        raise DatabaseFileError(problem(file, exc)) from None
    finally:
        db.close()
    return version


# SQLite opens a file it may not write read-only without a word, and BEGIN alone writes
# nothing: setting the version (to what it is) and rolling back is the smallest real write.
PROBE = ("BEGIN IMMEDIATE", "PRAGMA user_version = {version}", "ROLLBACK")


def probe_write(db: sqlite3.Connection, version: int) -> None:
    """Raise sqlite3.OperationalError if the database cannot be written."""
    for sql in PROBE:
        try:
            db.execute(sql.format(version=int(version)))
        except sqlite3.Error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
