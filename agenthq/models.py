"""The stored data: Peewee models, the database they bind to, its pragmas and schema version."""

import json
import logging
import os
import secrets
import threading
import time

from peewee import (
    BooleanField,
    Cast,
    CharField,
    DatabaseProxy,
    Expression,
    IntegerField,
    Model,
    PostgresqlDatabase,
    SqliteDatabase,
    TextField,
    fn,
)
from ulid import ULID

from .clock import now_iso

database = DatabaseProxy()

# Peewee logs every query with its parameters at DEBUG: password and key hashes, the signing
# secret. Those lines must not reach a log even when the hub runs with --log-level DEBUG.
logging.getLogger("peewee").setLevel(logging.INFO)

SCHEMA_VERSION = 1

# WAL lets readers run beside the single writer. synchronous=NORMAL in WAL mode keeps every
# committed transaction across a killed process (the WAL is written before COMMIT returns);
# only an OS crash or power cut can lose the last transactions, which we accept for speed:
# FULL would fsync on every commit. busy_timeout covers the rare checkpoint contention.
SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "normal"),
    ("foreign_keys", 1),
    ("busy_timeout", 5000),
    ("cache_size", -16000),
    ("temp_store", "memory"),
)


_id_lock = threading.Lock()
_last_id = 0


def new_id():
    """A ULID that is strictly greater than every id made before it in this process, so that
    ordering by id is ordering by creation even within one millisecond."""
    global _last_id
    with _id_lock:
        value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
        if value <= _last_id:
            value = _last_id + 1
        _last_id = value
    return str(ULID.from_int(value))


class StringField(CharField):
    """Text without a length in the schema: the limits live in the request schemas, and
    PostgreSQL would enforce CharField's VARCHAR(255) (a 300-character title) where SQLite
    never did. In SQLite the column type is the same TEXT affinity either way."""

    def get_modifiers(self):
        return None


class JSONField(TextField):
    def db_value(self, value):
        return None if value is None else json.dumps(value, separators=(",", ":"))

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Meta(BaseModel):
    """Key/value facts about this database: the schema version, the generated JWT secret."""

    key = StringField(primary_key=True)
    value = TextField()

    @classmethod
    def get_value(cls, key, default=None):
        row = cls.get_or_none(cls.key == key)
        return row.value if row else default

    @classmethod
    def set_value(cls, key, value):
        cls.insert(key=key, value=str(value)).on_conflict(
            conflict_target=[cls.key], update={cls.value: str(value)}
        ).execute()


class Organization(BaseModel):
    id = StringField(primary_key=True, default=new_id)
    name = StringField()
    slug = StringField(unique=True)
    settings = JSONField(default=dict)
    last_seq = IntegerField(default=0)
    created_at = StringField(default=now_iso)
    updated_at = StringField(default=now_iso)

    def to_dict(self):
        return {
            "id": self.id,
            "name": self.name,
            "slug": self.slug,
            "settings": self.settings or {},
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class User(BaseModel):
    id = StringField(primary_key=True, default=new_id)
    org_id = StringField(index=True)
    email = StringField(unique=True)
    password_hash = StringField()
    name = StringField()
    role = StringField(default="member")
    created_at = StringField(default=now_iso)
    updated_at = StringField(default=now_iso)

    def to_dict(self):
        return {
            "id": self.id,
            "org_id": self.org_id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class Agent(BaseModel):
    id = StringField(primary_key=True, default=new_id)
    org_id = StringField(index=True)
    name = StringField()
    description = TextField(default="")
    status = StringField(default="offline")
    last_heartbeat = StringField(null=True)
    capabilities = JSONField(default=list)
    metadata = JSONField(default=dict)
    owner_user_id = StringField(null=True)
    key_prefix = StringField(index=True)
    key_hash = StringField()
    created_at = StringField(default=now_iso)
    updated_at = StringField(default=now_iso)

    PUBLIC_FIELDS = (
        "id", "org_id", "name", "description", "status", "last_heartbeat",
        "capabilities", "metadata", "owner_user_id", "created_at", "updated_at",
    )

    def to_dict(self):
        return {name: getattr(self, name) for name in self.PUBLIC_FIELDS}


class Channel(BaseModel):
    id = StringField(primary_key=True, default=new_id)
    org_id = StringField()
    name = StringField()
    description = TextField(default="")
    type = StringField(default="public")
    created_by = StringField(null=True)
    created_at = StringField(default=now_iso)
    updated_at = StringField(default=now_iso)

    class Meta:
        indexes = ((("org_id", "name"), True),)

    def to_dict(self):
        return {
            "id": self.id,
            "org_id": self.org_id,
            "name": self.name,
            "description": self.description,
            "type": self.type,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class ChannelMember(BaseModel):
    channel_id = StringField()
    member_id = StringField(index=True)
    member_type = StringField()
    joined_at = StringField(default=now_iso)

    class Meta:
        indexes = ((("channel_id", "member_id"), True),)


class Post(BaseModel):
    id = StringField(primary_key=True, default=new_id)
    org_id = StringField()
    channel_id = StringField()
    author_id = StringField()
    author_type = StringField()
    type = StringField(default="update")
    title = StringField(null=True)
    content = TextField()
    metadata = JSONField(default=dict)
    parent_id = StringField(null=True)
    pinned = BooleanField(default=False)
    created_at = StringField(default=now_iso)
    updated_at = StringField(default=now_iso)

    class Meta:
        indexes = ((("channel_id", "id"), False), (("org_id", "id"), False))

    FIELDS = (
        "id", "org_id", "channel_id", "author_id", "author_type", "type", "title",
        "content", "metadata", "parent_id", "pinned", "created_at", "updated_at",
    )

    def to_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}


class Activity(BaseModel):
    """Append-only audit log: rows are inserted, never updated or deleted."""

    id = StringField(primary_key=True, default=new_id)
    org_id = StringField()
    actor_id = StringField()
    actor_type = StringField()
    action = StringField()
    resource_type = StringField(null=True)
    resource_id = StringField(null=True)
    details = JSONField(default=dict)
    created_at = StringField(default=now_iso)

    class Meta:
        indexes = ((("org_id", "id"), False),)

    def to_dict(self):
        return {
            "id": self.id,
            "org_id": self.org_id,
            "actor_id": self.actor_id,
            "actor_type": self.actor_type,
            "action": self.action,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "details": self.details or {},
            "created_at": self.created_at,
        }


class Event(BaseModel):
    """The durable event log behind lossless resume: one row per event, seq per organization.

    audience is "org" (every connection of the org), "channel" (subscribers of channel_id) or
    "members" (members of the private channel channel_id)."""

    org_id = StringField()
    seq = IntegerField()
    type = StringField()
    audience = StringField()
    channel_id = StringField(null=True)
    data = JSONField()
    timestamp = StringField(default=now_iso)

    class Meta:
        primary_key = False
        indexes = (
            (("org_id", "seq"), True),
            (("org_id", "channel_id", "seq"), False),
            (("timestamp",), False),
        )


MODELS = (Meta, Organization, User, Agent, Channel, ChannelMember, Post, Activity, Event)

# An external-content FTS5 index over post.title/content, kept in step by triggers so that no
# write path can forget it. The porter tokenizer lets "deploying" find "deploy".
FTS_SCHEMA = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS post_fts USING fts5("
    "title, content, content='post', content_rowid='rowid', tokenize='porter unicode61')",
    "CREATE TRIGGER IF NOT EXISTS post_fts_insert AFTER INSERT ON post BEGIN "
    "INSERT INTO post_fts(rowid, title, content) VALUES (new.rowid, new.title, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS post_fts_delete AFTER DELETE ON post BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, title, content) "
    "VALUES ('delete', old.rowid, old.title, old.content); END",
    "CREATE TRIGGER IF NOT EXISTS post_fts_update AFTER UPDATE OF title, content ON post BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, title, content) "
    "VALUES ('delete', old.rowid, old.title, old.content); "
    "INSERT INTO post_fts(rowid, title, content) VALUES (new.rowid, new.title, new.content); END",
)

# PostgreSQL: a stored tsvector column kept by the database itself (a generated column, so no
# write path can forget it), weighted title over content, with a GIN index. Its text search
# configuration stems like FTS5's porter tokenizer but keeps stop words, so "and" or "not"
# typed as words are found as words, exactly as on SQLite; and the text is cut into words
# first (as FTS5's unicode61 does), or PostgreSQL's parser would read "<script>" as a tag
# and "title:secret" as something other than two words, and index neither.
POSTGRES_SEARCH_SCHEMA = (
    "DO $$ BEGIN "
    "IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'agenthq_stem') THEN "
    "CREATE TEXT SEARCH DICTIONARY agenthq_stem (TEMPLATE = snowball, Language = english); END IF; "
    "IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'agenthq_text') THEN "
    "CREATE TEXT SEARCH CONFIGURATION agenthq_text (COPY = english); "
    "ALTER TEXT SEARCH CONFIGURATION agenthq_text ALTER MAPPING FOR asciiword, word, hword, hword_part, "
    "asciihword, hword_asciipart WITH agenthq_stem; END IF; END $$",
    "ALTER TABLE post ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('agenthq_text', regexp_replace(coalesce(title, ''), '\\W+', ' ', 'g')), 'A') || "
    "setweight(to_tsvector('agenthq_text', regexp_replace(content, '\\W+', ' ', 'g')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS post_search ON post USING GIN (search)",
)

# Several hub processes may start at once on one PostgreSQL database: this transaction-scoped
# advisory lock lets one of them create or migrate the schema while the others wait.
SCHEMA_LOCK = 0x61676E74

# Migrations from version N to N+1, applied in order inside one transaction each.
MIGRATIONS = {}


def is_postgres_url(target):
    return target.startswith(("postgres://", "postgresql://"))


def is_postgres(db=None):
    return isinstance(db if db is not None else database.obj, PostgresqlDatabase)


def _connect(target):
    if is_postgres_url(target):
        from playhouse.db_url import connect

        # Peewee keeps one connection per thread, as the SQLite path does.
        return connect(target)
    return SqliteDatabase(target, pragmas=SQLITE_PRAGMAS, check_same_thread=False)


def open_database(target):
    """Bind the models to the database at target (a SQLite path or a postgresql:// URL),
    create or migrate the schema, return it."""
    db = _connect(target)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    with db.atomic():
        if is_postgres(db):
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        db.create_tables(MODELS, safe=True)
        for statement in POSTGRES_SEARCH_SCHEMA if is_postgres(db) else FTS_SCHEMA:
            db.execute_sql(statement)
        version = int(Meta.get_value("schema_version", 0))
        if version == 0:
            version = SCHEMA_VERSION
        while version < SCHEMA_VERSION:
            MIGRATIONS[version](db)
            version += 1
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"database schema version {version} is newer than this AgentHQ ({SCHEMA_VERSION})"
            )
        Meta.set_value("schema_version", version)
    db.close()
    return db


def json_text(field, key):
    """The text of a top-level key of a JSON column, in the database's own dialect."""
    if is_postgres():
        return Expression(Cast(field, "json"), "->>", key)
    return fn.json_extract(field, f"$.{key}")


def signing_secret(configured):
    """The configured JWT secret, else the one generated on first start and kept here."""
    if configured:
        return configured
    with database.atomic():
        # Several processes may start at once on one database: the first insert wins (the
        # others wait for its commit and insert nothing), and all read back the same secret.
        Meta.insert(key="jwt_secret", value=secrets.token_urlsafe(48)).on_conflict_ignore().execute()
        return Meta.get_value("jwt_secret")


_insert_sql = {}


def insert_row(model, **values):
    """Insert one row and return the values it was written with (defaults filled in).

    The hot writes (a post, its activity entry, its event) come here rather than through
    Model.create: Peewee composes the SQL text anew on every call, which cost three times
    SQLite's own work per POST /posts. The text is made once per model and column set and
    reused; values still pass through each field's db_value."""
    fields = model._meta.fields
    made = {}  # one call per default function, so created_at and updated_at agree
    for name, field in fields.items():
        if name not in values and field.default is not None:
            default = field.default
            if callable(default):
                if default not in made:
                    made[default] = default()
                default = made[default]
            values[name] = default
    names = tuple(values)
    key = (model, names, database.obj.param)
    sql = _insert_sql.get(key)
    if sql is None:
        columns = ", ".join(f'"{fields[name].column_name}"' for name in names)
        marks = ", ".join([database.obj.param] * len(names))
        sql = _insert_sql[key] = f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({marks})'
    database.execute_sql(sql, [fields[name].db_value(values[name]) for name in names])
    return values


_select_sql = {}


def select_rows(model, columns=None, tail="", tail_params=(), **where):
    """Rows of model matching column = value for each keyword, as dicts of Python values.
    Like insert_row, for the hot reads (token lookup, channel access, a channel's page of
    posts): the SQL text is made once per shape instead of by Peewee on every call. `tail`
    is a fixed suffix such as an ORDER BY / LIMIT clause, with its own parameters."""
    fields = model._meta.fields
    names = tuple(columns or fields)
    key = (model, names, tuple(where), tail, database.obj.param)
    sql = _select_sql.get(key)
    if sql is None:
        param = database.obj.param
        selected = ", ".join(f'"{fields[name].column_name}"' for name in names)
        conditions = " AND ".join(f'"{fields[name].column_name}" = {param}' for name in where) or "1 = 1"
        suffix = tail.replace("?", param)
        sql = _select_sql[key] = f'SELECT {selected} FROM "{model._meta.table_name}" WHERE {conditions} {suffix}'
    cursor = database.execute_sql(sql, [*where.values(), *tail_params])
    converters = [fields[name].python_value for name in names]
    return [
        {name: convert(value) for name, convert, value in zip(names, converters, row)} for row in cursor.fetchall()
    ]


def next_seq(org_id):
    """Reserve the next event seq of an organization; must run inside the write transaction."""
    # One statement that increments and reads: on PostgreSQL its row lock is held until the
    # transaction ends, so concurrent writers of one org, in any process, take seqs one after
    # another and commit them in that order (a rolled-back seq is taken again by the next).
    param = database.obj.param
    sql = f'UPDATE "organization" SET "last_seq" = "last_seq" + 1 WHERE "id" = {param} RETURNING "last_seq"'
    return database.execute_sql(sql, (org_id,)).fetchone()[0]


