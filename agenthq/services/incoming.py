"""Incoming webhooks (§14.1): a secret URL that posts into one channel as an `integration`
author, for CI jobs and cron scripts that hold no SDK. Owners and admins manage them; the
token is stored only as its SHA-256 and shown once (at creation and at rotation)."""

import hashlib
import secrets
import string

from .. import eventlog
from ..clock import now_iso
from ..errors import NotFound
from ..models import Channel, IncomingWebhook, Post, insert_row
from . import activity
from .common import access_channel, paginate, require_admin

_ALPHABET = string.ascii_letters + string.digits


def new_token():
    return "".join(secrets.choice(_ALPHABET) for _ in range(43))


def token_hash(token):
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def hook_url(public_url, token):
    return f"{public_url.rstrip('/')}/hooks/{token}"


def _access(identity, hook_id):
    require_admin(identity)
    hook = IncomingWebhook.get_or_none((IncomingWebhook.id == hook_id) & (IncomingWebhook.org_id == identity.org_id))
    if hook is None:
        raise NotFound("incoming webhook")
    return hook


def create(identity, data, public_url):
    require_admin(identity)
    # access_channel: a private channel only if the creator is a member of it.
    channel = access_channel(identity, data["channel_id"])
    token = new_token()
    hook = IncomingWebhook.create(
        org_id=identity.org_id, token_hash=token_hash(token), name=data["name"], channel_id=channel.id,
        description=data.get("description") or "", created_by=identity.id,
    )
    activity.record(identity, "incoming_webhook.created", "incoming_webhook", hook.id, {"channel_id": channel.id})
    return {"hook": hook.to_dict(), "url": hook_url(public_url, token), "token": token}, []


def list_hooks(identity, query):
    require_admin(identity)
    rows = IncomingWebhook.select().where(IncomingWebhook.org_id == identity.org_id).order_by(IncomingWebhook.id.desc())
    return paginate(rows, query["page"], query["limit"], IncomingWebhook.to_dict)


def patch(identity, hook_id, data):
    hook = _access(identity, hook_id)
    if "channel_id" in data:
        hook.channel_id = access_channel(identity, data["channel_id"]).id
    for name in ("name", "description"):
        if name in data:
            setattr(hook, name, data[name] or "")
    hook.save()
    activity.record(identity, "incoming_webhook.updated", "incoming_webhook", hook.id, {"fields": sorted(data)})
    return hook.to_dict(), []


def delete(identity, hook_id):
    hook = _access(identity, hook_id)
    hook.delete_instance()
    activity.record(identity, "incoming_webhook.deleted", "incoming_webhook", hook.id)
    return {"deleted": True}, []


def rotate(identity, hook_id, public_url):
    hook = _access(identity, hook_id)
    token = new_token()
    hook.token_hash = token_hash(token)
    hook.save()
    activity.record(identity, "incoming_webhook.rotated", "incoming_webhook", hook.id)
    return {"hook": hook.to_dict(), "url": hook_url(public_url, token), "token": token}, []


def find(token):
    """The hook a /hooks/<token> request names (read before the rate limit, which is per hook)."""
    hook = IncomingWebhook.get_or_none(IncomingWebhook.token_hash == token_hash(token))
    if hook is None:
        raise NotFound("incoming webhook")
    return hook.id


def deliver(token, data, html=None):
    """Post what the sender sent, as the hook. Looked up again inside the write, so a hook
    rotated or deleted a moment ago posts nothing."""
    hook = IncomingWebhook.get_or_none(IncomingWebhook.token_hash == token_hash(token))
    if hook is None:
        raise NotFound("incoming webhook")
    channel = Channel.get_or_none(Channel.id == hook.channel_id)
    if channel is None:
        raise NotFound("channel")
    now = now_iso()
    post = Post(**insert_row(
        Post, org_id=hook.org_id, channel_id=channel.id, author_id=hook.id, author_type="integration",
        type=data["type"], title=data.get("title"), content=data["content"], metadata=data.get("metadata") or {},
        parent_id=None, html=html,
    )).to_dict()
    IncomingWebhook.update(last_used_at=now).where(IncomingWebhook.id == hook.id).execute()
    return post, [eventlog.post_event("post.created", post, channel.type)]
