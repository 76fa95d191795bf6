"""The core tables: one Peewee model per stored resource. Each lists its public fields in
FIELDS, which to_dict() answers with and the OpenAPI document describes (openapi/resources.py
reads the field types of fields.py: an IdField is a ULID, a TimeField an ISO timestamp), so a
field is added in one place. Conversations (mentions, notifications) are in conversations.py,
tasks in tasks.py, invites and webhooks in integrations.py; MODELS, at the end, lists every
table the schema creates."""

from peewee import BooleanField, FloatField, IntegerField, TextField

from ..clock import now_iso
from .fields import BaseModel, IdField, JSONField, StringField, TimeField
from .ids import new_id
from .integrations import IncomingWebhook, Invite, Webhook, WebhookDelivery
from .tasks import Task


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
    id = IdField(primary_key=True, default=new_id)
    name = StringField()
    slug = StringField(unique=True)
    settings = JSONField(default=dict)
    last_seq = IntegerField(default=0)
    created_at = TimeField(default=now_iso)
    updated_at = TimeField(default=now_iso)

    FIELDS = ("id", "name", "slug", "settings", "created_at", "updated_at")


class User(BaseModel):
    id = IdField(primary_key=True, default=new_id)
    org_id = IdField(index=True)
    email = StringField(unique=True)
    password_hash = StringField()
    name = StringField()
    role = StringField(default="member")
    created_at = TimeField(default=now_iso)
    updated_at = TimeField(default=now_iso)

    FIELDS = ("id", "org_id", "email", "name", "role", "created_at", "updated_at")  # never the hash


class Agent(BaseModel):
    id = IdField(primary_key=True, default=new_id)
    org_id = IdField(index=True)
    name = StringField()
    description = TextField(default="")
    status = StringField(default="offline")
    last_heartbeat = TimeField(null=True)
    # Any authenticated request of the agent, written at most once a minute (agenthq/last_active.py).
    # Shown by the page; not in the API's agent object, whose fields the spec fixes.
    last_active = TimeField(null=True)
    capabilities = JSONField(default=list)
    metadata = JSONField(default=dict)
    owner_user_id = IdField(null=True)
    key_prefix = StringField(index=True)
    key_hash = StringField()
    created_at = TimeField(default=now_iso)
    updated_at = TimeField(default=now_iso)

    FIELDS = (  # never the key's prefix or hash
        "id", "org_id", "name", "description", "status", "last_heartbeat",
        "capabilities", "metadata", "owner_user_id", "created_at", "updated_at",
    )


class Channel(BaseModel):
    id = IdField(primary_key=True, default=new_id)
    org_id = IdField()
    name = StringField()
    description = TextField(default="")
    type = StringField(default="public")
    created_by = IdField(null=True)
    created_at = TimeField(default=now_iso)
    updated_at = TimeField(default=now_iso)

    FIELDS = ("id", "org_id", "name", "description", "type", "created_by", "created_at", "updated_at")

    class Meta:
        indexes = ((("org_id", "name"), True),)


class ChannelMember(BaseModel):
    channel_id = IdField()
    member_id = IdField(index=True)
    member_type = StringField()
    joined_at = TimeField(default=now_iso)
    # The member's read pointer (§9, schema version 5): posts with a higher seq are unread.
    last_read_seq = IntegerField(default=0)

    class Meta:
        indexes = ((("channel_id", "member_id"), True),)


class Post(BaseModel):
    id = IdField(primary_key=True, default=new_id)
    org_id = IdField()
    channel_id = IdField()
    author_id = IdField()
    author_type = StringField()
    type = StringField(default="update")
    title = StringField(null=True)
    content = TextField()
    # The content rendered for the page (sanitized HTML), made before the write that stores
    # the content (schema version 3); NULL for an older row until the backfill reaches it.
    # Not part of the API's post (FIELDS).
    html = TextField(null=True)
    metadata = JSONField(default=dict)
    parent_id = IdField(null=True)
    pinned = BooleanField(default=False)
    created_at = TimeField(default=now_iso)
    updated_at = TimeField(default=now_iso)
    # Schema version 5 (SPEC §10): the last edit of title or content, and who pinned it when.
    edited_at = TimeField(null=True)
    pinned_at = TimeField(null=True)
    pinned_by = IdField(null=True)
    # Threads (schema version 6): the thread's top-level post (null on it); on that top-level
    # post, its count of descendants and the newest one's created_at; the seq of post.created.
    root_id = IdField(null=True)
    reply_count = IntegerField(default=0)
    last_reply_at = TimeField(null=True)
    seq = IntegerField(null=True)

    class Meta:
        # parent_id: GET /posts/:id walks a thread down by it (services.posts.thread_of); without
        # it each level scans the organization's posts. Created on start for existing databases.
        # The index on root_id is made after the migrations (models/schema.py LATE_INDEXES):
        # an older database has no such column when create_tables runs.
        # (channel_id, pinned, id): a pinned-first page reads a channel's pins, then one page of
        # the rest, each in id order off this index (bench/channel_page.py).
        indexes = ((("channel_id", "id"), False), (("org_id", "id"), False), (("parent_id",), False),
                   (("channel_id", "pinned", "id"), False))

    FIELDS = (
        "id", "org_id", "channel_id", "author_id", "author_type", "type", "title",
        "content", "metadata", "parent_id", "pinned", "created_at", "updated_at",
        "edited_at", "pinned_at", "pinned_by",
        "root_id", "reply_count", "last_reply_at", "seq",
    )

    def to_dict(self):
        return public_post(super().to_dict())


def public_post(post):
    """A post row as the API shows it: a top-level post with replies has metadata.reply_count
    mirroring its reply_count (the original web app reads it there; the original sets it on
    the first reply, so a post without replies has none)."""
    if post.get("root_id") is None and post.get("reply_count"):
        post["metadata"] = {**(post.get("metadata") or {}), "reply_count": post["reply_count"]}
    return post


class Reaction(BaseModel):
    """One identity's emoji on one post (SPEC §10): unique per (post, author, emoji), which is
    what makes adding it again a no-op."""

    id = IdField(primary_key=True, default=new_id)
    org_id = IdField()
    post_id = IdField()
    author_id = IdField()
    author_type = StringField()
    emoji = StringField()
    created_at = TimeField(default=now_iso)

    class Meta:
        indexes = ((("post_id", "author_id", "emoji"), True),)

    FIELDS = ("id", "org_id", "post_id", "author_id", "author_type", "emoji", "created_at")


class PostEdit(BaseModel):
    """The version of a post before one edit of its title or content (SPEC §10)."""

    id = IdField(primary_key=True, default=new_id)
    post_id = IdField(index=True)
    org_id = IdField()
    previous_content = TextField()
    previous_title = StringField(null=True)
    edited_by = IdField()
    created_at = TimeField(default=now_iso)

    FIELDS = ("id", "post_id", "org_id", "previous_content", "previous_title", "edited_by", "created_at")


class PageSession(BaseModel):
    """A signed-in browser (agenthq.web.session): the SHA-256 of its cookie's random id.
    Signing out deletes the row, which is what makes a copied cookie stop working."""

    id = StringField(primary_key=True)
    user_id = StringField(index=True)
    org_id = StringField()
    created_at = StringField(default=now_iso)
    expires_at = StringField(index=True)


class Activity(BaseModel):
    """Append-only audit log: rows are inserted, never updated or deleted."""

    id = IdField(primary_key=True, default=new_id)
    org_id = IdField()
    actor_id = IdField()
    actor_type = StringField()
    action = StringField()
    resource_type = StringField(null=True)
    resource_id = StringField(null=True)  # free text: the client names its own resources
    details = JSONField(default=dict)
    created_at = TimeField(default=now_iso)

    FIELDS = ("id", "org_id", "actor_id", "actor_type", "action", "resource_type", "resource_id", "details",
              "created_at")

    class Meta:
        indexes = ((("org_id", "id"), False),)


class Insight(BaseModel):
    """What an agent concluded from posts (§15.1), kept as written: never edited."""

    id = IdField(primary_key=True, default=new_id)
    org_id = IdField()
    type = StringField()
    title = StringField()
    content = TextField()
    data = JSONField(default=dict)
    source_posts = JSONField(default=list)
    source_agents = JSONField(default=list)
    confidence = FloatField(null=True)
    created_by = IdField()
    created_by_type = StringField()
    created_at = TimeField(default=now_iso)

    class Meta:
        indexes = ((("org_id", "id"), False),)

    FIELDS = ("id", "org_id", "type", "title", "content", "data", "source_posts", "source_agents", "confidence",
              "created_by", "created_by_type", "created_at")


class Event(BaseModel):
    """The durable event log behind lossless resume: one row per event, seq per organization.

    audience is "org" (every connection of the org), "channel" (subscribers of channel_id),
    "members" (members of the private channel channel_id) or "identity" (recipient_id alone);
    agenthq/events.py has the table of names and audiences."""

    org_id = StringField()
    seq = IntegerField()
    type = StringField()
    audience = StringField()
    channel_id = StringField(null=True)
    recipient_id = StringField(null=True)  # schema version 2
    data = JSONField()
    timestamp = StringField(default=now_iso)

    class Meta:
        primary_key = False
        indexes = (
            (("org_id", "seq"), True),
            (("org_id", "channel_id", "seq"), False),
            (("timestamp",), False),
        )


# Task is a new table: create_tables(safe=True) makes it in an existing database at start, so
# it needs no migration step (a new column would).
MODELS = (
    Meta, Organization, User, Agent, Channel, ChannelMember, Post, Reaction, PostEdit, PageSession, Activity, Event,
    Task,
    Invite, IncomingWebhook, Webhook, WebhookDelivery,
    Insight,
)
