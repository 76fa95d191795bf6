"""The tables: one Peewee model per stored resource. Each lists its public fields in FIELDS,
which to_dict() answers with and the OpenAPI document describes (agenthq/openapi/resources.py reads the
field types below: an IdField is a ULID, a TimeField an ISO timestamp), so a field is added
in one place.

Past 300 lines on purpose: it is declarations only, one class per table and no logic, and the
MODELS tuple at the end must see them all; a migration author reads every column here. The
conversation tables (mentions, notifications) live in conversations.py beside it."""

import json

from peewee import BooleanField, CharField, FloatField, IntegerField, Model, TextField

from ..clock import now_iso
from .db import database
from .ids import new_id


class StringField(CharField):
    """Text without a length in the schema: the limits live in the request schemas, and
    PostgreSQL would enforce CharField's VARCHAR(255) (a 300-character title) where SQLite
    never did. In SQLite the column type is the same TEXT affinity either way."""

    def get_modifiers(self):
        return None


class IdField(StringField):
    """A ULID (or null): the same column as StringField, typed for the API's description."""


class TimeField(StringField):
    """An ISO 8601 UTC timestamp with milliseconds, stored as text (it sorts as time)."""


# json.dumps with separators builds an encoder per call; a post writes three JSON columns.
_encode_json = json.JSONEncoder(separators=(",", ":")).encode


class JSONField(TextField):
    def db_value(self, value):
        return None if value is None else _encode_json(value)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    FIELDS = ()  # the public fields, in answer order

    class Meta:
        database = database
        legacy_table_names = False

    def to_dict(self):
        result = {}
        for name in self.FIELDS:
            value = getattr(self, name)
            field = self._meta.fields[name]
            if value is None and isinstance(field, JSONField) and callable(field.default):
                value = field.default()  # a JSON column stored as null answers as its empty form
            result[name] = value
        return result


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


class Task(BaseModel):
    """A unit of work (SPEC §12): the original's fields plus the claim's lease. Times are ISO
    strings of one fixed width, so comparing them as text compares the moments."""

    id = StringField(primary_key=True, default=new_id)
    org_id = StringField()
    channel_id = StringField(null=True)
    title = StringField()
    description = TextField(null=True)
    status = StringField(default="open")
    priority = StringField(default="medium")
    assigned_to = StringField(null=True)
    assigned_type = StringField(null=True)
    created_by = StringField()
    created_by_type = StringField()
    due_date = StringField(null=True)
    completed_at = StringField(null=True)
    metadata = JSONField(default=dict)
    claimed_at = StringField(null=True)
    lease_expires_at = StringField(null=True)
    claim_count = IntegerField(default=0)
    # Who held the lease the sweep ended, until the next claim: their late renew answers
    # LEASE_EXPIRED rather than NOT_CLAIMED. Not part of the API's task.
    expired_holder = StringField(null=True)
    created_at = StringField(default=now_iso)
    updated_at = StringField(default=now_iso)

    class Meta:
        # lease_expires_at: the sweep's scan; (org_id, status): the board and POST /tasks/claim.
        indexes = ((("org_id", "status"), False), (("lease_expires_at",), False))

    FIELDS = (
        "id", "org_id", "channel_id", "title", "description", "status", "priority", "assigned_to",
        "assigned_type", "created_by", "created_by_type", "due_date", "completed_at", "metadata",
        "created_at", "updated_at", "claimed_at", "lease_expires_at", "claim_count",
    )

    def to_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}



class Invite(BaseModel):
    """An invitation (§13): only the SHA-256 of its token is kept. Redemption is one
    conditional UPDATE (status still pending), so of concurrent redemptions one wins."""

    id = IdField(primary_key=True, default=new_id)
    org_id = IdField(index=True)
    token_hash = StringField(unique=True)
    invite_type = StringField()
    email = StringField(null=True)
    role = StringField(null=True)
    status = StringField(default="pending")
    created_by = IdField()
    expires_at = TimeField()
    redeemed_at = TimeField(null=True)
    redeemed_by_agent_id = IdField(null=True)
    redeemed_by_user_id = IdField(null=True)
    created_at = TimeField(default=now_iso)
    updated_at = TimeField(default=now_iso)

    FIELDS = (
        "id", "org_id", "invite_type", "email", "role", "status", "created_by", "expires_at",
        "redeemed_at", "redeemed_by_agent_id", "redeemed_by_user_id", "created_at", "updated_at",
    )

    def to_dict(self, now=None):
        data = super().to_dict()
        # "expired" is not written by a sweeper: a pending invite past its date reads as expired.
        if data["status"] == "pending" and (now or now_iso()) >= self.expires_at:
            data["status"] = "expired"
        return data


class IncomingWebhook(BaseModel):
    """A URL that posts into one channel (§14.1); only the SHA-256 of its token is kept."""

    id = IdField(primary_key=True, default=new_id)
    org_id = IdField(index=True)
    token_hash = StringField(unique=True)
    name = StringField()
    channel_id = IdField()
    description = TextField(default="")
    created_by = IdField()
    created_at = TimeField(default=now_iso)
    last_used_at = TimeField(null=True)

    FIELDS = ("id", "org_id", "name", "channel_id", "description", "created_by", "created_at", "last_used_at")


class Webhook(BaseModel):
    """An outgoing webhook (§14.2). cursor: the last event seq it has taken a delivery for (or
    skipped); leased_until: which process holds its one delivery in flight, and until when."""

    id = IdField(primary_key=True, default=new_id)
    org_id = IdField(index=True)
    url = TextField()
    events = JSONField(default=list)
    # Kept as given: the HMAC needs the secret itself. Never in an answer after creation.
    secret = StringField()
    active = BooleanField(default=True)
    created_by = IdField()
    cursor = IntegerField(default=0)
    leased_until = TimeField(null=True)
    created_at = TimeField(default=now_iso)
    updated_at = TimeField(default=now_iso)

    # Answered with has_secret (always true) after active; agenthq/openapi/resources.py adds it.
    FIELDS = ("id", "org_id", "url", "events", "active", "created_by", "created_at", "updated_at")

    def to_dict(self):
        data = super().to_dict()
        return {**{name: data[name] for name in self.FIELDS[:5]}, "has_secret": True,
                **{name: data[name] for name in self.FIELDS[5:]}}


class WebhookDelivery(BaseModel):
    """One event for one webhook: its exact body bytes (retries resend them) and its attempts."""

    id = IdField(primary_key=True, default=new_id)
    webhook_id = IdField()
    org_id = IdField()
    event = StringField()
    seq = IntegerField(null=True)
    body = TextField()
    status = StringField(default="pending")
    attempts = IntegerField(default=0)
    event_timestamp = TimeField()
    last_attempt_at = TimeField(null=True)
    next_attempt_at = TimeField(null=True)
    response_status = IntegerField(null=True)
    error = TextField(null=True)
    duration_ms = IntegerField(null=True)
    created_at = TimeField(default=now_iso)
    delivered_at = TimeField(null=True)

    class Meta:
        indexes = ((("webhook_id", "status"), False), (("created_at",), False))

    FIELDS = (
        "id", "webhook_id", "event", "seq", "status", "attempts", "last_attempt_at", "next_attempt_at",
        "response_status", "error", "duration_ms", "created_at", "delivered_at",
    )


# Task is a new table: create_tables(safe=True) makes it in an existing database at start, so
# it needs no migration step (a new column would).
MODELS = (
    Meta, Organization, User, Agent, Channel, ChannelMember, Post, Reaction, PostEdit, PageSession, Activity, Event,
    Task,
    Invite, IncomingWebhook, Webhook, WebhookDelivery,
    Insight,
)
