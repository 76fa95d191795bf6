"""The schema: creating and migrating it at start (tables, full-text search on either
database, the version), and the facts kept with it (the generated signing secret)."""

import secrets

from .db import connect, database, is_postgres
from .conversations import CONVERSATION_MODELS
from .tables import MODELS, IncomingWebhook, Invite, Meta, Webhook, WebhookDelivery

SCHEMA_VERSION = 8

# The order of the task queue (§12.1): highest priority, earliest due date (none last), oldest.
TASK_QUEUE_ORDER = ("(CASE \"priority\" WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 "
                    "WHEN 'low' THEN 3 ELSE 9 END), (\"due_date\" IS NULL), \"due_date\", \"id\"")

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
    # Agents by stemmed words of their name, description and capabilities (the JSON list's
    # punctuation is no word to unicode61), for /search (§15).
    "CREATE VIRTUAL TABLE IF NOT EXISTS agent_fts USING fts5("
    "name, description, capabilities, content='agent', content_rowid='rowid', tokenize='porter unicode61')",
    "CREATE TRIGGER IF NOT EXISTS agent_fts_insert AFTER INSERT ON agent BEGIN "
    "INSERT INTO agent_fts(rowid, name, description, capabilities) "
    "VALUES (new.rowid, new.name, new.description, new.capabilities); END",
    "CREATE TRIGGER IF NOT EXISTS agent_fts_delete AFTER DELETE ON agent BEGIN "
    "INSERT INTO agent_fts(agent_fts, rowid, name, description, capabilities) "
    "VALUES ('delete', old.rowid, old.name, old.description, old.capabilities); END",
    "CREATE TRIGGER IF NOT EXISTS agent_fts_update AFTER UPDATE OF name, description, capabilities ON agent BEGIN "
    "INSERT INTO agent_fts(agent_fts, rowid, name, description, capabilities) "
    "VALUES ('delete', old.rowid, old.name, old.description, old.capabilities); "
    "INSERT INTO agent_fts(rowid, name, description, capabilities) "
    "VALUES (new.rowid, new.name, new.description, new.capabilities); END",
    # Insights by their title and content; never edited, so no update trigger.
    "CREATE VIRTUAL TABLE IF NOT EXISTS insight_fts USING fts5("
    "title, content, content='insight', content_rowid='rowid', tokenize='porter unicode61')",
    "CREATE TRIGGER IF NOT EXISTS insight_fts_insert AFTER INSERT ON insight BEGIN "
    "INSERT INTO insight_fts(rowid, title, content) VALUES (new.rowid, new.title, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS insight_fts_delete AFTER DELETE ON insight BEGIN "
    "INSERT INTO insight_fts(insight_fts, rowid, title, content) "
    "VALUES ('delete', old.rowid, old.title, old.content); END",
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
    "ALTER TABLE agent ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('agenthq_text', regexp_replace(name, '\\W+', ' ', 'g')), 'A') || "
    "setweight(to_tsvector('agenthq_text', regexp_replace(coalesce(description, '') || ' ' || "
    "coalesce(capabilities, ''), '\\W+', ' ', 'g')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS agent_search ON agent USING GIN (search)",
    "ALTER TABLE insight ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('agenthq_text', regexp_replace(title, '\\W+', ' ', 'g')), 'A') || "
    "setweight(to_tsvector('agenthq_text', regexp_replace(content, '\\W+', ' ', 'g')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS insight_search ON insight USING GIN (search)",
)

# Several hub processes may start at once on one PostgreSQL database: this transaction-scoped
# advisory lock lets one of them create or migrate the schema while the others wait.
SCHEMA_LOCK = 0x61676E74



def _add_event_recipient(db):
    # Version 2: events for one identity (audience "identity") keep their recipient. A column
    # that may be null, so adding it rewrites no row, on SQLite as on PostgreSQL.
    if "recipient_id" not in {column.name for column in db.get_columns("event")}:
        db.execute_sql('ALTER TABLE "event" ADD COLUMN "recipient_id" TEXT')


def _add_post_html(db):
    # Version 3: the rendered HTML of a post. Existing rows stay NULL here (the page shows
    # their plain text) and are filled by agenthq.web.backfill once the hub serves, off the
    # loop, so an upgrade does not wait for every post to render. create_tables has already
    # made the column in a database that had no post table yet.
    if "html" not in {column.name for column in db.get_columns("post")}:
        db.execute_sql('ALTER TABLE "post" ADD COLUMN "html" TEXT')


def _add_agent_last_active(db):
    # Version 4: when an agent last made a request (agenthq/last_active.py); null until it does.
    # Checked first, as above: create_tables may have made it already.
    if "last_active" not in {column.name for column in db.get_columns("agent")}:
        db.execute_sql('ALTER TABLE "agent" ADD COLUMN "last_active" TEXT')


def _add_post_edits_and_pins(db):
    # Version 5 (SPEC §10): edited_at, pinned_at, pinned_by on posts; nullable, so no row is
    # rewritten. The reaction and post_edit tables are new and made by create_tables.
    existing = {column.name for column in db.get_columns("post")}
    for name in ("edited_at", "pinned_at", "pinned_by"):
        if name not in existing:
            db.execute_sql(f'ALTER TABLE "post" ADD COLUMN "{name}" TEXT')


def _add_invites_and_hooks(db):
    # Version 6: invites and webhooks, incoming and outgoing (§13, §14). New tables only,
    # which create_tables has made already (safe=True); nothing to change in existing rows.
    db.create_tables([Invite, IncomingWebhook, Webhook, WebhookDelivery], safe=True)



def _add_post_threads(db):
    # Version 7: threads (root_id, reply_count, last_reply_at) and the post's seq. Existing
    # replies get their root and roots their counts here, once; seq stays NULL on old posts
    # (they count as read everywhere, services/readstate.py).
    if "last_read_seq" not in {column.name for column in db.get_columns("channel_member")}:
        # Read pointers (§9): an existing member has read everything so far.
        db.execute_sql('ALTER TABLE "channel_member" ADD COLUMN "last_read_seq" INTEGER NOT NULL DEFAULT 0')
        db.execute_sql('UPDATE "channel_member" SET "last_read_seq" = (SELECT "last_seq" FROM "organization" AS o '
                       'WHERE o."id" = (SELECT "org_id" FROM "channel" AS c WHERE c."id" = "channel_member"."channel_id"))')
    have = {column.name for column in db.get_columns("post")}
    for name, kind in (("root_id", "TEXT"), ("reply_count", "INTEGER NOT NULL DEFAULT 0"),
                       ("last_reply_at", "TEXT"), ("seq", "INTEGER")):
        if name not in have:
            db.execute_sql(f'ALTER TABLE "post" ADD COLUMN "{name}" {kind}')
    parents = dict(db.execute_sql('SELECT "id", "parent_id" FROM "post" WHERE "parent_id" IS NOT NULL').fetchall())
    param = db.param
    for post_id in parents:
        root, seen = parents[post_id], {post_id}
        while root in parents and root not in seen:  # a corrupt cycle of parent_ids ends too
            seen.add(root)
            root = parents[root]
        db.execute_sql(f'UPDATE "post" SET "root_id" = {param} WHERE "id" = {param}', (root, post_id))
    db.execute_sql(
        'UPDATE "post" SET "reply_count" = (SELECT count(*) FROM "post" AS r WHERE r."root_id" = "post"."id"), '
        '"last_reply_at" = (SELECT max(r."created_at") FROM "post" AS r WHERE r."root_id" = "post"."id") '
        'WHERE "root_id" IS NULL'
    )


# Indexes on columns a migration adds, so made once the migrations have run. root_id: GET
# /posts/:id/thread and the subtree delete read a thread by it.
# seq: unread counts (§9) count a channel's posts past a pointer.
LATE_INDEXES = (
    'CREATE INDEX IF NOT EXISTS "post_root_id_id" ON "post" ("root_id", "id")',
    'CREATE INDEX IF NOT EXISTS "post_channel_id_seq" ON "post" ("channel_id", "seq")',
    # The claim queue in its order (services/task_sql.py orders by the very same expressions):
    # the next task is the first index entry, with no sort of every open task.
    f'CREATE INDEX IF NOT EXISTS "task_queue" ON "task" ("org_id", "status", {TASK_QUEUE_ORDER})',
)


def _index_agents(db):
    # Version 8: agents found by full text (§15); the insight table (§15.1) and its index are
    # new, so create_tables and the statements above have already made them. PostgreSQL's generated column fills itself;
    # SQLite's agent_fts was just created empty beside agents that already exist.
    if not is_postgres(db):
        db.execute_sql("INSERT INTO agent_fts(agent_fts) VALUES ('rebuild')")


# Migrations from version N to N+1, applied in order, all in the one transaction of the start.
MIGRATIONS = {
    1: _add_event_recipient, 2: _add_post_html, 3: _add_agent_last_active, 4: _add_post_edits_and_pins,
    5: _add_invites_and_hooks, 6: _add_post_threads, 7: _index_agents,
}


def open_database(target):
    """Bind the models to the database at target (a SQLite path or a postgresql:// URL),
    create or migrate the schema, return it."""
    db = connect(target)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    with db.atomic():
        if is_postgres(db):
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        db.create_tables((*MODELS, *CONVERSATION_MODELS), safe=True)
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
        for statement in LATE_INDEXES:
            db.execute_sql(statement)
    db.close()
    return db


def signing_secret(configured):
    """The configured JWT secret, else the one generated on first start and kept here."""
    if configured:
        return configured
    with database.atomic():
        # Several processes may start at once on one database: the first insert wins (the
        # others wait for its commit and insert nothing), and all read back the same secret.
        Meta.insert(key="jwt_secret", value=secrets.token_urlsafe(48)).on_conflict_ignore().execute()
        return Meta.get_value("jwt_secret")
