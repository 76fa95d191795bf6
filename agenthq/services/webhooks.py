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
from peewee import fn

from ..models import Channel, Event, Webhook, WebhookDelivery, insert_many, new_id, update_many
from ..eventlog import newest_seq, resume_floor
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

def _selected(hook, row, channel_types):
    kind = event_kinds.EVENTS.get(row["type"])
    if kind is None or not kind.webhook or row["audience"] not in (event_kinds.ORG, event_kinds.CHANNEL):
        return False
    if hook.events != ["*"] and row["type"] not in hook.events:
        return False
    if row["channel_id"]:
        # Only what every member may see: never a private or DM channel's events.
        if row["channel_id"] not in channel_types:
            channel_types[row["channel_id"]] = Channel.select(Channel.type).where(
                Channel.id == row["channel_id"]).scalar()
        if event_kinds.is_private(channel_types[row["channel_id"]]):  # a missing channel (None) counts as private
            return False
    return True


def claim_due(lease_seconds, skip=(), batch=50):
    """Take the lease of every active webhook that has something due now and nobody holds;
    return (jobs, how many webhooks are active). A job is (webhook id, url, secret, deliveries)
    with up to `batch` deliveries (id, event, event timestamp, body) in seq order; its sender
    stops at the first failure, so a receiver gets events in seq order."""
    now = now_iso()
    until = iso_ago(-lease_seconds)
    jobs = []
    active = Webhook.select().where(Webhook.active)
    count = 0
    for hook in active:
        count += 1
        if hook.id in skip or (hook.leased_until is not None and hook.leased_until >= now) or not _waiting(hook, now):
            continue
        # The lease first, then the deliveries: two processes must never both make deliveries
        # from the same cursor (on PostgreSQL the second UPDATE waits for the first to commit,
        # then finds the lease taken).
        taken = Webhook.update(leased_until=until).where(
            (Webhook.id == hook.id) & (Webhook.leased_until.is_null() | (Webhook.leased_until < now))
        ).execute()
        if not taken:
            continue
        hook = Webhook.get_by_id(hook.id)  # its cursor as the last holder left it
        deliveries = _due(hook, now, batch)
        if deliveries:
            jobs.append((hook.id, hook.url, hook.secret, deliveries))
        else:
            Webhook.update(leased_until=None).where(Webhook.id == hook.id).execute()
    return (jobs, count), []


def _waiting(hook, now):
    """A cheap look before taking a lease: a pending delivery, or an event after the cursor."""
    first = WebhookDelivery.select(WebhookDelivery.next_attempt_at).where(
        (WebhookDelivery.webhook_id == hook.id) & (WebhookDelivery.status == "pending")
    ).order_by(WebhookDelivery.seq).limit(1).tuples().first()
    if first is not None:
        return (first[0] or "") <= now
    return Event.select(Event.seq).where((Event.org_id == hook.org_id) & (Event.seq > hook.cursor)).exists()


def _due(hook, now, batch):
    """The webhook's next deliveries, oldest first: those pending (unless the first waits for
    its retry time), then new ones made from the log after its cursor, `batch` at most."""
    pending = list(WebhookDelivery.select(
        WebhookDelivery.id, WebhookDelivery.event, WebhookDelivery.event_timestamp, WebhookDelivery.body,
        WebhookDelivery.next_attempt_at,
    ).where((WebhookDelivery.webhook_id == hook.id) & (WebhookDelivery.status == "pending"))
        .order_by(WebhookDelivery.seq).limit(batch).tuples())
    if pending and (pending[0][4] or "") > now:
        return []
    found = [row[:4] for row in pending]
    if len(found) < batch:
        found += _from_log(hook, now, batch - len(found))
    return found


def _from_log(hook, now, room):
    """Make up to `room` deliveries from the events after the webhook's cursor (read a block at
    a time) and move the cursor past every event looked at."""
    rows = Event.select().where((Event.org_id == hook.org_id) & (Event.seq > hook.cursor)).order_by(Event.seq).limit(500)
    cursor, made, channel_types = hook.cursor, [], {}
    for row in rows.dicts():
        if len(made) >= room:
            break
        cursor = row["seq"]
        if _selected(hook, row, channel_types):
            delivery_id = new_id()
            body = body_of(delivery_id, row["type"], hook.org_id, row["timestamp"], row["seq"], row["data"])
            made.append((delivery_id, row["type"], row["timestamp"], body, row["seq"]))
    if made:
        insert_many(WebhookDelivery, (
            "id", "webhook_id", "org_id", "event", "seq", "body", "status", "attempts", "event_timestamp",
            "next_attempt_at", "created_at",
        ), [(d[0], hook.id, hook.org_id, d[1], d[4], d[3], "pending", 0, d[2], now, now) for d in made])
    if cursor != hook.cursor:
        Webhook.update(cursor=cursor).where(Webhook.id == hook.id).execute()
    return [d[:4] for d in made]


def record_attempts(webhook_id, outcomes, retry_base, lease_seconds, batch=50):
    """After a job's attempts, in one transaction: each delivered, or (the last one, where the
    sender stopped) retried after retry_base × 2^(attempt−1) ± 10 % (capped at an hour) until
    24 h after the event, then failed. If all went through and more is due, the lease is
    renewed and the next deliveries returned (the same shape as a job's); otherwise the lease
    is freed and None returned."""
    now = datetime.now(timezone.utc)
    stamp = iso(now)
    failed = False
    found = {row[0]: row[1:] for row in WebhookDelivery.select(
        WebhookDelivery.id, WebhookDelivery.attempts, WebhookDelivery.event_timestamp,
    ).where(WebhookDelivery.id.in_([o[0] for o in outcomes]) & (WebhookDelivery.status == "pending")).tuples()}
    delivered = []
    for delivery_id, status, error, duration_ms in outcomes:
        if delivery_id not in found:
            continue
        attempts, event_timestamp = found[delivery_id][0] + 1, found[delivery_id][1]
        if error is None:
            delivered.append((attempts, stamp, status, duration_ms, stamp, delivery_id))
            continue
        failed = True
        fields = {"attempts": attempts, "last_attempt_at": stamp, "response_status": status, "error": error,
                  "duration_ms": duration_ms}
        wait = min(3600.0, retry_base * 2 ** (attempts - 1)) * random.uniform(0.9, 1.1)
        retry_at = now + timedelta(seconds=wait)
        if retry_at > parse_iso(event_timestamp) + timedelta(seconds=GIVE_UP_SECONDS):
            fields.update(status="failed", next_attempt_at=None)
        else:
            fields.update(next_attempt_at=iso(retry_at))
        WebhookDelivery.update(fields).where(WebhookDelivery.id == delivery_id).execute()
    if delivered:  # one executemany for the block: most deliveries go through
        update_many(WebhookDelivery, ("attempts", "last_attempt_at", "response_status", "duration_ms", "delivered_at"),
                    {"status": "delivered", "error": None, "next_attempt_at": None}, delivered)
    hook = Webhook.get_or_none(Webhook.id == webhook_id)
    following = None
    if hook is not None and hook.active and not failed:
        following = _due(hook, stamp, batch) or None
    Webhook.update(leased_until=iso_ago(-lease_seconds) if following else None).where(
        Webhook.id == webhook_id).execute()
    return following, []


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
