"""The webhook dispatcher's steps on the database (agenthq/webhooks/dispatcher.py), each one
short transaction on the writer: claim what is due for every webhook, make deliveries from the
event log, record a block's attempts. The HTTP happens elsewhere, never inside a transaction."""

import json
import random
from datetime import datetime, timedelta, timezone
from json.encoder import encode_basestring_ascii as quoted

from .. import events as event_kinds
from ..bulk import insert_rows
from ..clock import iso, iso_ago, now_iso, parse_iso
from ..models import Webhook, WebhookDelivery, database, new_id, update_many
from .webhooks import GIVE_UP_SECONDS, SELECTABLE, body_of


# The dispatcher's statements are written out once rather than composed by Peewee per call:
# with live webhooks they run a few times per post, on the writer thread, whose Python time
# holds the GIL that the event loop delivering to /ws needs.
_HOOK = 'SELECT "id", "org_id", "url", "secret", "events", "cursor" FROM "webhook"'


def _sql(text, count=0):
    """text with ? as the database's parameter mark; {in} becomes `count` marks."""
    param = database.obj.param
    return text.replace("?", param).replace("{in}", ", ".join([param] * count))


def _rows(text, params=(), count=0):
    return database.execute_sql(_sql(text, count), params).fetchall()


def _run(text, params=(), count=0):
    database.execute_sql(_sql(text, count), params)


def _newest(org_ids):
    """{org_id: its newest committed seq} (eventlog.newest_seqs, written out)."""
    ids = list(org_ids)
    return dict(_rows('SELECT "id", "last_seq" FROM "organization" WHERE "id" IN ({in})', ids, len(ids)))


def _hook(row):
    """(id, org_id, url, secret, events, cursor) with events as a list."""
    return (*row[:4], json.loads(row[4]) if isinstance(row[4], str) else row[4], row[5])


def claim_due(lease_seconds, skip=(), batch=50):
    """Take the lease of every active webhook that has something due now and nobody holds;
    return (jobs, how many webhooks are active). A job is (webhook id, url, secret, deliveries)
    with up to `batch` deliveries (id, event, event timestamp, body) in seq order; its sender
    stops at the first failure, so a receiver gets events in seq order. A few statements for
    all webhooks together, however many there are."""
    now = now_iso()
    active = _rows(_HOOK + ' WHERE "active" AND ("leased_until" IS NULL OR "leased_until" < ?)', (now,))
    count = _rows('SELECT COUNT(*) FROM "webhook" WHERE "active"')[0][0]
    hooks = [_hook(row) for row in active if row[0] not in skip]
    if not hooks:
        return ([], count), []
    ids = [hook[0] for hook in hooks]
    first_pending = {}  # webhook id -> next_attempt_at of its oldest pending delivery
    for webhook_id, next_at in _rows(
            'SELECT "webhook_id", "next_attempt_at" FROM "webhook_delivery" WHERE "status" = \'pending\' '
            'AND "webhook_id" IN ({in}) ORDER BY "webhook_id", "seq"', ids, len(ids)):
        first_pending.setdefault(webhook_id, next_at or "")
    newest = _newest({hook[1] for hook in hooks})
    # A pending delivery (the oldest decides: in seq order), else an event after the cursor.
    waiting = [hook[0] for hook in hooks if (
        first_pending[hook[0]] <= now if hook[0] in first_pending else newest.get(hook[1], 0) > hook[5])]
    if not waiting:
        return ([], count), []
    # The lease first, then the deliveries: two processes must never both make deliveries from
    # the same cursor (on PostgreSQL the second UPDATE waits for the first to commit, then finds
    # the lease taken); RETURNING gives each cursor as the last holder left it.
    taken = [_hook(row) for row in _rows(
        'UPDATE "webhook" SET "leased_until" = ? WHERE "id" IN ({in}) AND ("leased_until" IS NULL '
        'OR "leased_until" < ?) RETURNING "id", "org_id", "url", "secret", "events", "cursor"',
        (iso_ago(-lease_seconds), *waiting, now), len(waiting))]
    due = _due(taken, now, batch)
    jobs = [(hook[0], hook[2], hook[3], due[hook[0]]) for hook in taken if due[hook[0]]]
    idle = [hook[0] for hook in taken if not due[hook[0]]]
    if idle:
        _run('UPDATE "webhook" SET "leased_until" = NULL WHERE "id" IN ({in})', idle, len(idle))
    return (jobs, count), []


def _due(hooks, now, batch):
    """{webhook id: its next deliveries, oldest first}: those pending (none if the first waits
    for its retry time), then new ones made from the log after its cursor, `batch` at most."""
    ids = [hook[0] for hook in hooks]
    pending = {}
    if ids:
        for row in _rows(
                'SELECT "webhook_id", "id", "event", "event_timestamp", "body", "next_attempt_at" FROM '
                '"webhook_delivery" WHERE "status" = \'pending\' AND "webhook_id" IN ({in}) ORDER BY "webhook_id", '
                '"seq"', ids, len(ids)):
            pending.setdefault(row[0], []).append(row[1:])
    found, room = {}, {}
    for hook in hooks:
        rows = pending.get(hook[0], [])[:batch]
        if rows and (rows[0][4] or "") > now:
            found[hook[0]] = []
            continue
        found[hook[0]] = [row[:4] for row in rows]
        if len(rows) < batch:
            room[hook[0]] = batch - len(rows)
    _from_log([hook for hook in hooks if hook[0] in room], room, found, now)
    return found


# What a webhook may be sent: kinds marked for webhooks, to everyone in the organization or a
# public channel's subscribers; never a private or DM channel's events (a channel that no
# longer exists counts as private), never members-only or identity events.
_SELECTABLE_LOG = (
    'SELECT "seq", "type", "data", "timestamp" FROM "event" WHERE "org_id" = ? AND "seq" > ? AND "seq" <= ? '
    'AND "audience" IN (?, ?) AND "type" IN ({in}) AND ("channel_id" IS NULL OR "channel_id" IN '
    '(SELECT "id" FROM "channel" WHERE "type" = \'public\')) ORDER BY "seq" LIMIT ?')


def _from_log(hooks, room, found, now):
    """Make deliveries (up to room[id] each) from the events after each webhook's cursor and
    move the cursor past every event looked at. Webhooks of one organization at one cursor
    (the usual case: they keep up together) share one read of the log."""
    if not hooks:
        return
    newest = _newest({hook[1] for hook in hooks})
    groups = {}
    for hook in hooks:
        groups.setdefault((hook[1], hook[5]), []).append(hook)
    made, moved = [], []
    for (org_id, cursor), group in groups.items():
        upto = newest.get(org_id, 0)
        if upto <= cursor:
            continue
        limit = max(room[hook[0]] for hook in group)
        rows = _rows(_SELECTABLE_LOG, (org_id, cursor, upto, event_kinds.ORG, event_kinds.CHANNEL, *SELECTABLE, limit),
                     len(SELECTABLE))
        # Fewer than asked: every event up to `upto` was looked at.
        seen = rows[-1][0] if len(rows) == limit else upto
        for hook in group:
            wanted = rows if hook[4] == ["*"] else [row for row in rows if row[1] in hook[4]]
            taken = wanted[:room[hook[0]]]
            for seq, event, data, timestamp in taken:
                delivery_id = new_id()
                body = _body_text(delivery_id, event, org_id, timestamp, seq, data)
                made.append((delivery_id, hook[0], org_id, event, seq, body, "pending", 0, timestamp, now, now))
                found[hook[0]].append((delivery_id, event, timestamp, body))
            moved.append((taken[-1][0] if len(wanted) > len(taken) else seen, hook[0]))
    insert_rows(WebhookDelivery, (
        "id", "webhook_id", "org_id", "event", "seq", "body", "status", "attempts", "event_timestamp",
        "next_attempt_at", "created_at",
    ), made)
    update_many(Webhook, ("cursor",), {}, moved)


def _body_text(delivery_id, event, org_id, timestamp, seq, data):
    """body_of() with the event's data as the log stores it (JSON text): not parsed and written
    again for every webhook."""
    if not isinstance(data, str):  # a driver that hands JSON columns back parsed
        return body_of(delivery_id, event, org_id, timestamp, seq, data)
    return (f'{{"id":{quoted(delivery_id)},"event":{quoted(event)},"org_id":{quoted(org_id)},'
            f'"timestamp":{quoted(timestamp)},"seq":{seq},"data":{data}}}')


def record_attempts(webhook_id, outcomes, retry_base, lease_seconds, batch=50):
    """After a job's attempts, in one transaction: each delivered, or (the last one, where the
    sender stopped) retried after retry_base × 2^(attempt−1) ± 10 % (capped at an hour) until
    24 h after the event, then failed. If a full block went through and more is due (a
    backlog), the lease is renewed and the next deliveries returned (the same shape as a
    job's); otherwise the lease is freed and None returned, and the next claim round takes
    what comes (a few events gathered, not one block per event)."""
    now = datetime.now(timezone.utc)
    stamp = iso(now)
    failed = False
    ids = [o[0] for o in outcomes]
    found = {row[0]: row[1:] for row in _rows(
        'SELECT "id", "attempts", "event_timestamp" FROM "webhook_delivery" WHERE "id" IN ({in}) '
        'AND "status" = \'pending\'', ids, len(ids))} if ids else {}
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
    hooks = [_hook(row) for row in _rows(_HOOK + ' WHERE "id" = ? AND "active"', (webhook_id,))]
    following = None
    if hooks and not failed and len(outcomes) >= batch:
        following = _due(hooks, stamp, batch)[webhook_id] or None
    _run('UPDATE "webhook" SET "leased_until" = ? WHERE "id" = ?',
          (iso_ago(-lease_seconds) if following else None, webhook_id))
    return following, []
