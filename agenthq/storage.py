"""Database work off the event loop: one writer thread (so writes, and the event seqs they
assign, commit in order) and a small pool of readers (WAL lets them run beside the writer).
Every call runs inside one transaction; nothing awaits inside it."""

import asyncio
import logging
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import peewee

from .errors import Unavailable

log = logging.getLogger("agenthq")
_UNAVAILABLE = re.compile(r"disk is full|readonly database|disk I/O error|database is locked|unable to open")


def _unavailable(error):
    """The storage failure behind error, if it is one. A COMMIT that fails on I/O is rolled
    back by SQLite itself, so peewee's ROLLBACK then fails ("no transaction is active") and
    hides the cause in __context__."""
    while error is not None:
        if _UNAVAILABLE.search(str(error)):
            return error
        error = error.__context__
    return None


class Storage:
    def __init__(self, db, readers=2):
        self.db = db
        self._connections = []
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(1, "db-write", initializer=self._open_connection)
        self._readers = ThreadPoolExecutor(max(1, readers), "db-read", initializer=self._open_connection)

    def _open_connection(self):
        connection = self.db.connection()
        with self._lock:
            self._connections.append(connection)

    def _transaction(self, fn, args):
        try:
            with self.db.atomic():
                return fn(*args)
        except (peewee.OperationalError, sqlite3.OperationalError) as error:
            # Disk full, read-only file, I/O error, lock timeout: the request is refused with
            # 503 (the transaction rolled back) and the hub keeps serving; reads still work.
            cause = _unavailable(error)
            if cause is None:
                raise
            log.warning("database unavailable: %s", cause)
            raise Unavailable("The database cannot be written right now; try again later") from None

    async def read(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._transaction, fn, args)

    async def write(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._writer, self._transaction, fn, args)

    async def offload(self, fn, *args):
        """CPU-heavy work with no database (password hashing) on a reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self._readers, fn, *args)

    def close(self):
        """Let queued work finish, then close every thread's connection (checkpointing the WAL)."""
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
