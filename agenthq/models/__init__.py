"""The stored data, split by job: db (opening, pragmas, dialects), ids, fields (column types and
the base model), tables, conversations, tasks and integrations (the models),
schema (creation, migrations, signing secret) and fastpath (the hot SQL). Every name is
re-exported here, so `from agenthq.models import Post` works as it always has."""

from .conversations import CONVERSATION_MODELS, Mention, Notification
from .db import SQLITE_PRAGMAS, connect, database, is_postgres, is_postgres_url, json_text
from .fastpath import insert_many, insert_row, next_seq, select_rows, update_many
from .ids import new_id, new_ids
from .schema import (
    FTS_SCHEMA,
    MIGRATIONS,
    POSTGRES_SEARCH_SCHEMA,
    SCHEMA_LOCK,
    SCHEMA_VERSION,
    open_database,
    signing_secret,
)
from .tables import (
    MODELS,
    Activity,
    Agent,
    BaseModel,
    Channel,
    ChannelMember,
    Event,
    IdField,
    IncomingWebhook,
    Invite,
    Insight,
    JSONField,
    Meta,
    Organization,
    PageSession,
    Post,
    PostEdit,
    Reaction,
    StringField,
    Task,
    TimeField,
    User,
    Webhook,
    WebhookDelivery,
    public_post,
)

__all__ = [
    "CONVERSATION_MODELS", "Mention", "Notification",
    "SQLITE_PRAGMAS", "connect", "database", "is_postgres", "is_postgres_url", "json_text",
    "insert_many", "insert_row", "next_seq", "select_rows", "update_many", "new_id", "new_ids",
    "FTS_SCHEMA", "MIGRATIONS", "POSTGRES_SEARCH_SCHEMA", "SCHEMA_LOCK", "SCHEMA_VERSION",
    "open_database", "signing_secret",
    "MODELS", "Activity", "Agent", "BaseModel", "Channel", "ChannelMember", "Event", "IdField", "IncomingWebhook",
    "Insight", "Invite", "JSONField", "Meta", "Organization", "PageSession", "Post", "PostEdit", "Reaction",
    "StringField", "Task", "TimeField", "User", "Webhook", "WebhookDelivery", "public_post",
]
