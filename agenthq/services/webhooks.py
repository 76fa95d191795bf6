"""Outgoing webhooks (§14.2): management by owners and admins, and the dispatcher's steps on
the database (claim what is due, record an attempt). The HTTP itself happens elsewhere
(agenthq/webhooks/), never inside a transaction."""

import json
import random
import secrets
import string
from datetime import datetime, timedelta, timezone

from .. import events as event_kinds
from ..clock import iso, iso_ago, now_iso, parse_iso
from ..errors import NotFound, ValidationError
from ..models import Channel, Event, Webhook, WebhookDelivery, new_id
from ..eventlog import newest_seq
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


# -- the dispatcher's steps (each one short transaction on the writer) --------------------------

def _selected(hook, row):
    kind = event_kinds.EVENTS.get(row["type"])
    if kind is None or not kind.webhook or row["audience"] not in (event_kinds.ORG, event_kinds.CHANNEL):
        return False
    if hook.events != ["*"] and row["type"] not in hook.events:
        return False
    if row["channel_id"]:
        # Only what every member may see: never a private or DM channel's events.
        channel_type = Channel.select(Channel.type).where(Channel.id == row["channel_id"]).scalar()
        if event_kinds.is_private(channel_type):  # a missing channel (None) counts as private
            return False
    return True


def claim_due(lease_seconds, skip=()):
    """Take the lease of every active webhook that has something due now and nobody holds;
    return one job per webhook: (delivery id, webhook id, url, secret, body). A webhook's next
    delivery is made from the log only once its previous one is delivered or failed, so its
    receiver gets events in seq order."""
    now = now_iso()
    until = iso_ago(-lease_seconds)
    jobs = []
    free = Webhook.select().where(
        Webhook.active & (Webhook.leased_until.is_null() | (Webhook.leased_until < now))
    )
    for hook in free:
        if hook.id in skip:
            continue
        delivery = _next_delivery(hook, now)
        if delivery is None:
            continue
        taken = Webhook.update(leased_until=until).where(
            (Webhook.id == hook.id) & (Webhook.leased_until.is_null() | (Webhook.leased_until < now))
        ).execute()
        if taken:  # another process may have taken it between our read and this write
            jobs.append((delivery.id, hook.id, hook.url, hook.secret, delivery.body))
    return jobs, []


def _next_delivery(hook, now):
    pending = WebhookDelivery.select().where(
        (WebhookDelivery.webhook_id == hook.id) & (WebhookDelivery.status == "pending")
    ).order_by(WebhookDelivery.seq).first()
    if pending is not None:
        return pending if (pending.next_attempt_at or "") <= now else None
    rows = Event.select().where((Event.org_id == hook.org_id) & (Event.seq > hook.cursor)).order_by(Event.seq).limit(200)
    cursor = hook.cursor
    found = None
    for row in rows.dicts():
        cursor = row["seq"]
        if _selected(hook, row):
            delivery_id = new_id()
            found = WebhookDelivery.create(
                id=delivery_id, webhook_id=hook.id, org_id=hook.org_id, event=row["type"], seq=row["seq"],
                body=body_of(delivery_id, row["type"], hook.org_id, row["timestamp"], row["seq"], row["data"]),
                event_timestamp=row["timestamp"], next_attempt_at=now, created_at=now,
            )
            break
    if cursor != hook.cursor:
        Webhook.update(cursor=cursor).where(Webhook.id == hook.id).execute()
    return found


def record_attempt(delivery_id, webhook_id, outcome, retry_base):
    """After one attempt: delivered, or retried after retry_base × 2^(attempt−1) ± 10 % (capped
    at an hour) until 24 h after the event, then failed. Frees the webhook's lease."""
    status, error, duration_ms = outcome
    now = datetime.now(timezone.utc)
    delivery = WebhookDelivery.get_or_none(WebhookDelivery.id == delivery_id)
    if delivery is not None and delivery.status == "pending":
        attempts = delivery.attempts + 1
        fields = {"attempts": attempts, "last_attempt_at": iso(now), "response_status": status, "error": error,
                  "duration_ms": duration_ms}
        if error is None:
            fields.update(status="delivered", delivered_at=iso(now), next_attempt_at=None)
        else:
            wait = min(3600.0, retry_base * 2 ** (attempts - 1)) * random.uniform(0.9, 1.1)
            retry_at = now + timedelta(seconds=wait)
            if retry_at > parse_iso(delivery.event_timestamp) + timedelta(seconds=GIVE_UP_SECONDS):
                fields.update(status="failed", next_attempt_at=None)
            else:
                fields.update(next_attempt_at=iso(retry_at))
        WebhookDelivery.update(fields).where(WebhookDelivery.id == delivery_id).execute()
    Webhook.update(leased_until=None).where(Webhook.id == webhook_id).execute()
    return None, []


def prune_deliveries():
    return WebhookDelivery.delete().where(
        (WebhookDelivery.created_at < iso_ago(KEEP_SECONDS)) & (WebhookDelivery.status != "pending")
    ).execute(), []
