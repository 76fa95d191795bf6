"""The tables of invites and webhooks (§13–14): invitations, incoming hooks, outgoing webhooks
and their delivery log. Invite and incoming-hook tokens are kept as SHA-256 hashes; an outgoing
webhook's secret as given (its HMAC needs it), never answered after creation."""

from peewee import BooleanField, IntegerField, TextField

from ..clock import now_iso
from .fields import BaseModel, IdField, JSONField, StringField, TimeField
from .ids import new_id


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
