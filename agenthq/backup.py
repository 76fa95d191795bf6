"""Online backup: a consistent copy of a hub's SQLite file, taken while the hub serves.

`agenthq backup PATH [--db SRC]` (or `python -m agenthq.backup PATH [--db SRC]`).

SQLite's backup API copies the pages inside one read transaction (pages=-1: in one step),
so the copy is the database exactly as of one commit: every write acknowledged before the
backup began is in it, none is half in it. In WAL mode that read transaction does not block
the hub's writer. A step-by-step copy would restart whenever the hub writes meanwhile, and
a busy hub could keep it from ever finishing. The copy is written beside PATH, checked,
switched out of WAL mode (one self-contained file), synced, and only then renamed to PATH."""

import argparse
import os
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import quote


class BackupError(Exception):
    pass


def backup(source, destination, overwrite=False):
    """Copy the database at source to destination; return (pages, bytes, seconds)."""
    source, destination = Path(source), Path(destination)
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if destination.exists() and destination.resolve() == source.resolve():
        raise BackupError("the backup must not overwrite its own database")
    if destination.exists() and not overwrite:
        raise BackupError(f"{destination} exists (use --force to replace it)")
    started = time.monotonic()
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.partial")
    # mode=rw: never create an empty database where the hub's should be (a typo in --db).
    src = sqlite3.connect(f"file:{quote(str(source))}?mode=rw", uri=True, timeout=30)
    try:
        # The copy holds password and key hashes and the signing secret: owner-only from birth.
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"the copy failed its integrity check: {check}")
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
        finally:
            dst.close()
        with open(partial, "rb+") as copy:
            os.fsync(copy.fileno())
        os.replace(partial, destination)
        _fsync_dir(destination.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    return pages, destination.stat().st_size, time.monotonic() - started


def _fsync_dir(path):
    """Make the rename itself durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main(argv=None):
    from .config import Config

    default_db = Config.from_env().db
    parser = argparse.ArgumentParser(
        prog="agenthq backup", description="Copy a hub's database safely, also while the hub runs.")
    parser.add_argument("path", help="where to write the copy")
    parser.add_argument("--db", default=default_db, help=f"the hub's database (env AGENTHQ_DB, default {default_db})")
    parser.add_argument("--force", action="store_true", help="replace PATH if it exists")
    args = parser.parse_args(argv)
    try:
        pages, size, seconds = backup(args.db, args.path, overwrite=args.force)
    except (BackupError, sqlite3.Error, OSError) as error:
        print(f"agenthq backup: {error}", file=sys.stderr)
        return 1
    print(f"backed up {args.db} to {args.path}: {pages} pages, {size} bytes, {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
