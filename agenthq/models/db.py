"""The database the models bind to: the unbound proxy, how a target (a SQLite path or a
postgresql:// URL) is opened, with its pragmas, and the few places the two dialects differ."""

import logging

from peewee import Cast, DatabaseProxy, Expression, PostgresqlDatabase, SqliteDatabase, fn

database = DatabaseProxy()

# Peewee logs every query with its parameters at DEBUG: password and key hashes, the signing
# secret. Those lines must not reach a log even when the hub runs with --log-level DEBUG.
logging.getLogger("peewee").setLevel(logging.INFO)

# WAL lets readers run beside the single writer. synchronous=NORMAL in WAL mode keeps every
# committed transaction across a killed process (the WAL is written before COMMIT returns);
# only an OS crash or power cut can lose the last transactions, which we accept for speed:
# FULL would fsync on every commit. busy_timeout covers the rare checkpoint contention.
#
# No foreign_keys pragma: the schema declares no foreign keys, on purpose. Most references
# name either an agent or a user (channel_member.member_id, post.author_id,
# activity.actor_id), which no single-table key can express; history outlives its subject (a
# deleted agent's posts, activity and memberships stay, shown under its id, so a key would
# have to be dropped or cascade the history away); and adding constraints to existing SQLite
# tables means rebuilding them, a migration no upgrade should need. The services check
# references inside their write transaction instead (access_channel, access_post), and a
# pragma that enforces nothing would only suggest otherwise.
SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "normal"),
    ("busy_timeout", 5000),
    ("cache_size", -16000),
    ("temp_store", "memory"),
)


def is_postgres_url(target):
    return target.startswith(("postgres://", "postgresql://"))


def is_postgres(db=None):
    return isinstance(db if db is not None else database.obj, PostgresqlDatabase)


def connect(target):
    """An unconnected database for target; PostgreSQL's driver is imported only here, so a
    SQLite hub runs without it (pip install agenthq[postgres] adds it)."""
    if is_postgres_url(target):
        from playhouse.db_url import connect as connect_url

        try:
            import psycopg2  # noqa: F401  (peewee's driver; only then is it needed)
        except ImportError:
            raise RuntimeError("a postgresql:// database needs psycopg2: pip install 'agenthq[scale]'") from None

        # Peewee keeps one connection per thread, as the SQLite path does.
        return connect_url(target)
    return SqliteDatabase(target, pragmas=SQLITE_PRAGMAS, check_same_thread=False)


def json_text(field, key):
    """The text of a top-level key of a JSON column, in the database's own dialect."""
    if is_postgres():
        return Expression(Cast(field, "json"), "->>", key)
    return fn.json_extract(field, f"$.{key}")
