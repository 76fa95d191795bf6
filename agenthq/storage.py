"""Database work off the event loop: one writer thread (so writes, and the event seqs they
assign, commit in order), a small pool of readers (WAL lets them run beside the writer) and a
separate pool for slow reads (search) with a time budget per query, so that the readers every
request needs (token checks) never wait behind them. Every call runs inside one transaction;
nothing awaits inside it."""

import asyncio
import logging
import re
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import peewee

from .errors import Unavailable, ValidationError
from .models import is_postgres
from .pools import BoundedPool
from .writer import Writer

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


# How often (in SQLite virtual-machine steps, about 10-50 us) a search checks its deadline.
PROGRESS_STEPS = 2000


class SearchTooSlow(Unavailable):
    default_message = "Search took too long; narrow it with more or rarer words"


def _too_slow(seconds):
    # Logged (without the query, which is the user's text) so that an operator sees searches
    # meeting the budget and can raise it or look for the cause.
    log.info("a search was stopped at its time budget of %.3g s", seconds)
    return SearchTooSlow()


def _cancelled_by_timeout(error):
    """PostgreSQL cancelled the statement for statement_timeout (SQLSTATE 57014); peewee wraps
    psycopg's error, which it keeps as its first argument."""
    original = error.args[0] if error.args else None
    return getattr(original, "pgcode", None) == "57014" or "statement timeout" in str(error)


class _WroteThenFailed(Exception):
    """A write of a batch run without savepoints failed after changing rows (Storage._undoable)."""


class Storage:
    def __init__(self, db, readers=2, search_threads=1, search_queue=8, search_seconds=2.0):
        self.db = db
        self._connections = []
        self._lock = threading.Lock()
        self._writer = Writer(self._run_batch, self._open_connection)
        self._readers = ThreadPoolExecutor(max(1, readers), "db-read", initializer=self._open_connection)
        self._search = BoundedPool(
            "db-search", search_threads, search_queue, "Too many searches are running; try again in a moment",
            initializer=self._open_connection,
        )
        self.search_seconds = search_seconds

    def _open_connection(self):
        try:
            connection = self.db.connection()
        except peewee.OperationalError:
            # A server that is down now must not break the thread pool for good (a failed
            # initializer does): the first call on this thread connects instead.
            return
        with self._lock:
            self._connections.append(connection)

    def _transaction(self, fn, args):
        try:
            with self.db.atomic():
                return fn(*args)
        except Exception as error:
            mapped = self._mapped(error)
            if mapped is error:
                raise
            raise mapped from None

    def _mapped(self, error):
        """The error a failed transaction answers with: storage failures become 503
        Unavailable (the hub keeps serving), NUL on PostgreSQL a 400; anything else itself."""
        postgres = is_postgres(self.db)
        if isinstance(error, (peewee.OperationalError, peewee.InterfaceError, sqlite3.OperationalError)):
            if postgres:
                # The server went away or restarted: this thread's connection is dead. Drop
                # it so the next call connects afresh (peewee reconnects on demand), and
                # refuse this one with 503. Should the failure have hit a COMMIT that did
                # land, its events are in the log and reach subscribers by the broker's gap
                # check or a resume.
                log.warning("database unavailable: %s", str(error).strip() or type(error).__name__)
                self._drop_connection()
                return Unavailable("The database is unavailable right now; try again later")
            # Disk full, read-only file, I/O error, lock timeout: the request is refused with
            # 503 (the transaction rolled back) and the hub keeps serving; reads still work.
            cause = _unavailable(error)
            if cause is None:
                return error
            log.warning("database unavailable: %s", cause)
            return Unavailable("The database cannot be written right now; try again later")
        if isinstance(error, ValueError) and postgres and "NUL" in str(error):
            # PostgreSQL text cannot hold NUL, which SQLite stores; psycopg2 refuses it before
            # sending. It is the client's data, so a 400, not a 500.
            return ValidationError(None, "Text must not contain NUL (\\u0000) characters")
        return error

    def _run_batch(self, batch):
        """The writer's batch (agenthq/writer.py): one transaction in which a write refused (a
        4xx, a bug) rolls back alone and the others commit. A storage failure (disk full,
        connection lost) aborts the batch: on SQLite nothing of it committed, so each write is
        tried again alone and answers as it would have; on PostgreSQL a failed COMMIT may have
        landed, so every write of it answers 503, as a lone write would (no retry that could
        write twice).

        PostgreSQL runs each write in a savepoint (any failed statement there spoils the whole
        transaction). SQLite first runs the batch without them: a write that fails has
        nearly always failed before writing (an access check, a validation), which the
        connection's change count shows, and then there is nothing to undo. Only a write that
        fails after writing sends the batch back: rolled back whole and run again with a
        savepoint per write. Nothing of the first run was answered, and every write is run
        again from its arguments, as after a storage failure."""
        if len(batch) == 1:
            self._run_alone(batch[0])
            return
        savepoints = is_postgres(self.db)
        while True:
            committing = False
            try:
                with self.db.atomic():
                    for item in batch:
                        try:
                            if savepoints:
                                item.result = self._in_savepoint(item.fn, item.resolved_args())
                            else:
                                item.result = self._undoable(item.fn, item.resolved_args())
                        except (peewee.OperationalError, peewee.InterfaceError, sqlite3.OperationalError,
                                _WroteThenFailed):
                            raise
                        except Exception as error:  # this write's own failure, with nothing to undo
                            item.error = self._mapped(error)
                    committing = True
            except _WroteThenFailed:  # rolled back: again, with savepoints
                for item in batch:
                    item.result = item.error = None
                savepoints = True
                continue
            except Exception as error:
                if committing and is_postgres(self.db):
                    failure = self._mapped(error)
                    for item in batch:
                        item.result, item.error = None, failure
                else:
                    for item in batch:
                        item.result = item.error = None
                        self._run_alone(item)
            break
        for item in batch:
            item.done = True

    def _undoable(self, fn, args):
        """fn(*args) in the batch's transaction without a savepoint (SQLite): should it fail
        after changing a row (the count includes triggers' changes; a failed statement's own
        are undone by SQLite already), _WroteThenFailed asks for the batch to run again."""
        connection = self.db.connection()
        changes = connection.total_changes
        try:
            return fn(*args)
        except (peewee.OperationalError, peewee.InterfaceError, sqlite3.OperationalError):
            raise
        except Exception as error:
            if connection.total_changes != changes:
                raise _WroteThenFailed() from error
            raise

    def _in_savepoint(self, fn, args):
        """fn(*args) in a savepoint of the batch's transaction, rolled back if it raises. Its
        own statements under one fixed name, where db.atomic() would make a uuid4 name and
        three objects per write (savepoints in a batch follow one another, never nest; a
        service's own db.atomic() inside makes its own, nested in this one)."""
        execute = self.db.execute_sql
        execute('SAVEPOINT "write"')
        try:
            result = fn(*args)
        except BaseException:
            execute('ROLLBACK TO SAVEPOINT "write"')
            execute('RELEASE SAVEPOINT "write"')
            raise
        execute('RELEASE SAVEPOINT "write"')
        return result

    def _run_alone(self, item):
        try:
            item.result = self._transaction(item.fn, item.resolved_args())
        except Exception as error:
            item.error = error
        item.done = True

    def _drop_connection(self):
        try:
            self.db.close()
        except Exception:  # closing a broken connection may fail too; it is gone either way
            self.db._state.reset()

    async def read(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._readers, self._transaction, fn, args)

    async def write(self, fn, *args):
        """fn(*args) in the writer's transaction, answered once committed. An argument may be
        a concurrent.futures.Future (work begun on another pool): fn gets its result."""
        return await self._writer.submit(fn, args)

    async def search(self, fn, *args):
        """A read that may be slow (full-text search): on its own threads, within
        search_seconds, else refused with 503 (SearchTooSlow)."""
        return await self._search.run(self._transaction, self._within_budget(fn), args)

    def _within_budget(self, fn):
        seconds = self.search_seconds
        if seconds <= 0:
            return fn
        if is_postgres(self.db):
            def run(*args):
                # LOCAL: the timeout ends with this transaction, the connection keeps no trace.
                self.db.execute_sql(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}")
                try:
                    return fn(*args)
                except peewee.OperationalError as error:
                    if _cancelled_by_timeout(error):
                        raise _too_slow(seconds) from None
                    raise
            return run

        def run(*args):
            # SQLite has no statement timeout: a progress handler, called every few thousand
            # virtual-machine steps of this connection, aborts the statement past the deadline.
            deadline = time.monotonic() + seconds
            connection = self.db.connection()
            connection.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
            try:
                return fn(*args)
            except (peewee.OperationalError, sqlite3.OperationalError) as error:
                if "interrupted" in str(error) and time.monotonic() > deadline:
                    raise _too_slow(seconds) from None
                raise
            finally:
                connection.set_progress_handler(None, 0)
        return run

    def close(self):
        """Let queued work finish, then close every thread's connection (checkpointing the WAL)."""
        self._writer.close()
        self._readers.shutdown(wait=True)
        self._search.shutdown()
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
