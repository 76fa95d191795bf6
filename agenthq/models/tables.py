"""The tables: one Peewee model per stored resource, with its to_dict() (the resource's public
fields) and indexes."""

import json

from peewee import BooleanField, CharField, IntegerField, Model, TextField

from ..clock import now_iso
from .db import database
from .ids import new_id


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
    # Any authenticated request of the agent, written at most once a minute (agenthq/last_active.py).
    # Shown by the page; not in the API's agent object, whose fields the spec fixes.
    last_active = StringField(null=True)
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
    # The content rendered for the page (sanitized HTML), made before the write that stores
    # the content (schema version 3); NULL for an older row until the backfill reaches it.
    # Not part of the API's post (FIELDS).
    html = TextField(null=True)
    metadata = JSONField(default=dict)
    parent_id = StringField(null=True)
    pinned = BooleanField(default=False)
    created_at = StringField(default=now_iso)
    updated_at = StringField(default=now_iso)

    class Meta:
        # parent_id: GET /posts/:id walks a thread down by it (services.posts.thread_of); without
        # it each level scans the organization's posts. Created on start for existing databases.
        indexes = ((("channel_id", "id"), False), (("org_id", "id"), False), (("parent_id",), False))

    FIELDS = (
        "id", "org_id", "channel_id", "author_id", "author_type", "type", "title",
        "content", "metadata", "parent_id", "pinned", "created_at", "updated_at",
    )

    def to_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}


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


class Invite(BaseModel):
    """An invitation (§13): only the SHA-256 of its token is kept. Redemption is one
    conditional UPDATE (status still pending), so of concurrent redemptions one wins."""

    id = StringField(primary_key=True, default=new_id)
    org_id = StringField(index=True)
    token_hash = StringField(unique=True)
    invite_type = StringField()
    email = StringField(null=True)
    role = StringField(null=True)
    status = StringField(default="pending")
    created_by = StringField()
    expires_at = StringField()
    redeemed_at = StringField(null=True)
    redeemed_by_agent_id = StringField(null=True)
    redeemed_by_user_id = StringField(null=True)
    created_at = StringField(default=now_iso)
    updated_at = StringField(default=now_iso)

    FIELDS = (
        "id", "org_id", "invite_type", "email", "role", "status", "created_by", "expires_at",
        "redeemed_at", "redeemed_by_agent_id", "redeemed_by_user_id", "created_at", "updated_at",
    )

    def to_dict(self, now=None):
        data = {name: getattr(self, name) for name in self.FIELDS}
        # "expired" is not written by a sweeper: a pending invite past its date reads as expired.
        if data["status"] == "pending" and (now or now_iso()) >= self.expires_at:
            data["status"] = "expired"
        return data


class IncomingWebhook(BaseModel):
    """A URL that posts into one channel (§14.1); only the SHA-256 of its token is kept."""

    id = StringField(primary_key=True, default=new_id)
    org_id = StringField(index=True)
    token_hash = StringField(unique=True)
    name = StringField()
    channel_id = StringField()
    description = TextField(default="")
    created_by = StringField()
    created_at = StringField(default=now_iso)
    last_used_at = StringField(null=True)

    FIELDS = ("id", "org_id", "name", "channel_id", "description", "created_by", "created_at", "last_used_at")

    def to_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}


class Webhook(BaseModel):
    """An outgoing webhook (§14.2). cursor: the last event seq it has taken a delivery for (or
    skipped); leased_until: which process holds its one delivery in flight, and until when."""

    id = StringField(primary_key=True, default=new_id)
    org_id = StringField(index=True)
    url = TextField()
    events = JSONField(default=list)
    # Kept as given: the HMAC needs the secret itself. Never in an answer after creation.
    secret = StringField()
    active = BooleanField(default=True)
    created_by = StringField()
    cursor = IntegerField(default=0)
    leased_until = StringField(null=True)
    created_at = StringField(default=now_iso)
    updated_at = StringField(default=now_iso)

    def to_dict(self):
        return {
            "id": self.id, "org_id": self.org_id, "url": self.url, "events": self.events, "active": self.active,
            "has_secret": True, "created_by": self.created_by, "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class WebhookDelivery(BaseModel):
    """One event for one webhook: its exact body bytes (retries resend them) and its attempts."""

    id = StringField(primary_key=True, default=new_id)
    webhook_id = StringField()
    org_id = StringField()
    event = StringField()
    seq = IntegerField(null=True)
    body = TextField()
    status = StringField(default="pending")
    attempts = IntegerField(default=0)
    event_timestamp = StringField()
    last_attempt_at = StringField(null=True)
    next_attempt_at = StringField(null=True)
    response_status = IntegerField(null=True)
    error = TextField(null=True)
    duration_ms = IntegerField(null=True)
    created_at = StringField(default=now_iso)
    delivered_at = StringField(null=True)

    class Meta:
        indexes = ((("webhook_id", "status"), False), (("created_at",), False))

    FIELDS = (
        "id", "webhook_id", "event", "seq", "status", "attempts", "last_attempt_at", "next_attempt_at",
        "response_status", "error", "duration_ms", "created_at", "delivered_at",
    )

    def to_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}


MODELS = (
    Meta, Organization, User, Agent, Channel, ChannelMember, Post, PageSession, Activity, Event,
    Invite, IncomingWebhook, Webhook, WebhookDelivery,
)
