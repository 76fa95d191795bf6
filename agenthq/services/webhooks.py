"""Outgoing webhooks (§14.2): management by owners and admins, the test ping's log entry and
the dispatcher's housekeeping (leases at start, what the log must keep, old deliveries). Its
claims and records are services/webhook_jobs.py; the HTTP happens in agenthq/webhooks/."""

import json
import secrets
import string

from peewee import fn

from .. import events as event_kinds
from ..clock import iso_ago, now_iso
from ..errors import NotFound, ValidationError
from ..eventlog import newest_seq, resume_floor
from ..models import Webhook, WebhookDelivery
from . import activity
from .common import paginate, require_admin

SELECTABLE = sorted(kind.name for kind in event_kinds.KINDS if kind.webhook)
_ALPHABET = string.ascii_letters + string.digits
GIVE_UP_SECONDS = 24 * 3600
KEEP_SECONDS = 7 * 24 * 3600


def check_events(names):
    if not names:
        raise ValidationError("events", "events must name at least one event, or be [\"*\"]")
    if "*" in names:  # everything, whatever else is listed
        return ["*"]
    unknown = [name for name in names if name not in SELECTABLE]
    if unknown:
        raise ValidationError("events", f"events cannot select {unknown[0]!r}; choose from {', '.join(SELECTABLE)} or *")
    return sorted(set(names))


def _access(identity, webhook_id):
    require_admin(identity)
    hook = Webhook.get_or_none((Webhook.id == webhook_id) & (Webhook.org_id == identity.org_id))
    if hook is None:
        raise NotFound("webhook")
    return hook


def create(identity, data):
    require_admin(identity)
    secret = data.get("secret") or "whsec_" + "".join(secrets.choice(_ALPHABET) for _ in range(32))
    # From now on: a new webhook is not handed the log's history.
    hook = Webhook.create(
        org_id=identity.org_id, url=data["url"], events=check_events(data["events"]), secret=secret,
        created_by=identity.id, cursor=newest_seq(identity.org_id),
    )
    activity.record(identity, "webhook.created", "webhook", hook.id, {"events": hook.events})
    return {**hook.to_dict(), "secret": secret}, []


def list_webhooks(identity, query):
    require_admin(identity)
    rows = Webhook.select().where(Webhook.org_id == identity.org_id).order_by(Webhook.id.desc())
    return paginate(rows, query["page"], query["limit"], Webhook.to_dict)


def get(identity, webhook_id):
    return _access(identity, webhook_id).to_dict()


def patch(identity, webhook_id, data):
    hook = _access(identity, webhook_id)
    if "events" in data:
        hook.events = check_events(data["events"])
    for name in ("url", "secret", "active"):
        if name in data:
            setattr(hook, name, data[name])
    hook.updated_at = now_iso()
    hook.save()
    activity.record(identity, "webhook.updated", "webhook", hook.id, {"fields": sorted(data)})
    return hook.to_dict(), []


def delete(identity, webhook_id):
    hook = _access(identity, webhook_id)
    WebhookDelivery.delete().where(WebhookDelivery.webhook_id == hook.id).execute()
    hook.delete_instance()
    activity.record(identity, "webhook.deleted", "webhook", hook.id)
    return {"deleted": True}, []


def deliveries(identity, webhook_id, query):
    hook = _access(identity, webhook_id)
    rows = WebhookDelivery.select().where(WebhookDelivery.webhook_id == hook.id)
    if query.get("status"):
        rows = rows.where(WebhookDelivery.status == query["status"])
    return paginate(rows.order_by(WebhookDelivery.id.desc()), query["page"], query["limit"], WebhookDelivery.to_dict)


def for_test(identity, webhook_id):
    """What POST /webhooks/:id/test needs: (url, secret, org_id)."""
    hook = _access(identity, webhook_id)
    return hook.id, hook.url, hook.secret, hook.org_id


def body_of(delivery_id, event, org_id, timestamp, seq, data):
    return json.dumps({"id": delivery_id, "event": event, "org_id": org_id, "timestamp": timestamp, "seq": seq,
                       "data": data}, separators=(",", ":"), ensure_ascii=False)


def log_test(webhook_id, org_id, delivery_id, body, timestamp, outcome):
    status, error, duration_ms = outcome
    now = now_iso()
    WebhookDelivery.create(
        id=delivery_id, webhook_id=webhook_id, org_id=org_id, event="test", seq=None, body=body,
        status="failed" if error else "delivered", attempts=1, event_timestamp=timestamp, last_attempt_at=now,
        response_status=status, error=error, duration_ms=duration_ms, created_at=now,
        delivered_at=None if error else now,
    )
    return None, []


# -- the dispatcher's housekeeping (its claims and records are services/webhook_jobs.py) --------

def release_leases():
    """At the start of a hub that is alone on its database (SQLite: one process per file), any
    lease is a previous run's, cut short by a crash: its webhook goes on now, not when the
    lease lapses. (With several processes a lease may be a live neighbour's: it lapses.)"""
    Webhook.update(leased_until=None).where(Webhook.leased_until.is_null(False)).execute()
    return None, []


def held_seqs():
    """{org_id: the lowest cursor of its active webhooks}: events after it are still owed to
    a webhook, and the log keeps them (agenthq/upkeep.py, within its cap)."""
    rows = Webhook.select(Webhook.org_id, fn.MIN(Webhook.cursor)).where(Webhook.active).group_by(Webhook.org_id)
    return {org_id: cursor for org_id, cursor in rows.tuples()}


def skip_pruned():
    """Webhooks (active or paused) whose cursor is behind their organization's oldest logged
    event jump to just before it, so the gap is said once (in the log) rather than silently.
    [(webhook id, old cursor, new cursor)]."""
    skipped = []
    for hook in Webhook.select(Webhook.id, Webhook.org_id, Webhook.cursor):
        floor = resume_floor(hook.org_id)
        if hook.cursor < floor:
            Webhook.update(cursor=floor).where((Webhook.id == hook.id) & (Webhook.cursor < floor)).execute()
            skipped.append((hook.id, hook.cursor, floor))
    return skipped


def prune_deliveries():
    return WebhookDelivery.delete().where(
        (WebhookDelivery.created_at < iso_ago(KEEP_SECONDS)) & (WebhookDelivery.status != "pending")
    ).execute(), []
