"""A task's history for the Tasks board: its steps read back from the durable event log
(created, claimed, released, expired, and the edits that changed its status, assignee or
title), oldest first, as short sentences the page shows with textContent.

The log keeps events for AGENTHQ_EVENT_RETENTION (24 h by default), so older steps are gone:
the history then starts with the task's creation (always known from the task) and says that
earlier steps are no longer kept. A renewal sends no event (§12.1), so it is not a step."""

from datetime import timedelta

from peewee import fn

from ..clock import iso, parse_iso
from ..models import Event, json_text
from ..services.tasks import access_task
from .queries import author_names

STEPS = ("task.created", "task.updated", "task.claimed", "task.released", "task.expired")
LIMIT = 200  # the newest steps shown; a task edited more often than this in a day is rare


def task_history(identity, task_id):
    """{entries: [{type, at, text}]}; NOT_FOUND for a task the caller cannot see,
    as GET /tasks/:id. Every step is of a task the caller can see now, so none is hidden."""
    task = access_task(identity, task_id).to_dict()
    first = _first_seq(identity.org_id, task["created_at"])
    rows = [] if first is None else list(
        Event.select(Event.seq, Event.type, Event.timestamp, Event.data)
        .where((Event.org_id == identity.org_id) & (Event.seq >= first) & Event.type.in_(STEPS)
               & (json_text(Event.data, "id") == task["id"]))
        .order_by(Event.seq.desc())
        .limit(LIMIT + 1)
    )
    rows.reverse()
    truncated = len(rows) > LIMIT
    rows = rows[-LIMIT:]
    ids = {task["created_by"], task["assigned_to"]}
    for row in rows:
        ids.update({row.data.get("assigned_to"), row.data.get("created_by"), (row.data.get("previous_assignee") or {}).get("id")})
    names = author_names([i for i in ids if i])
    name = lambda who: names.get(who, "someone removed") if who else "nobody"  # noqa: E731

    entries = []
    if truncated or not rows or rows[0].type != "task.created":
        entries.append({"type": "task.created", "at": task["created_at"], "text": f"Created by {name(task['created_by'])}"})
        gap = "Earlier steps are not shown." if truncated else "Earlier steps are no longer kept."
        entries.append({"type": "gap", "at": None, "text": gap})
    before = None
    for row in rows:
        text = _describe(row.type, row.data, before, name)
        if text:
            entries.append({"type": row.type, "at": row.timestamp, "text": text})
        before = row.data
    return {"entries": entries}


def _first_seq(org_id, created_at):
    """The seq of the org's first event in the log from about when the task was made, found by
    the timestamp index: nothing about a task is older than the task, so the search spares
    most of the log for the young tasks people usually look at. A minute's margin, because
    several hub processes' clocks and seq order may disagree a little."""
    since = iso(parse_iso(created_at) - timedelta(seconds=60))
    # COALESCE keeps SQLite's planner off the (org_id, seq) index, which would read the whole
    # org's log in seq order to find the earliest time.
    found = (Event.select(Event.seq).where((Event.timestamp >= since) & (fn.COALESCE(Event.org_id, "") == org_id))
             .order_by(Event.timestamp).limit(1).scalar())
    return found  # None: no event since, so nothing to show


def _describe(kind, data, before, name):
    if kind == "task.created":
        who = f" for {name(data['assigned_to'])}" if data.get("assigned_to") else ""
        return f"Created by {name(data.get('created_by'))}{who}"
    if kind == "task.claimed":
        return f"Claimed by {name(data.get('assigned_to'))}{_lease(data)}"
    if kind == "task.released":
        return f"Released: {name((data.get('previous_assignee') or {}).get('id'))} no longer holds it"
    if kind == "task.expired":
        return f"Lease expired: {name((data.get('previous_assignee') or {}).get('id'))} stopped renewing it"
    changes = []
    if before is None:
        return "Updated"
    if data.get("status") != before.get("status"):
        changes.append(f"status {_status(before.get('status'))} → {_status(data.get('status'))}")
    if data.get("assigned_to") != before.get("assigned_to"):
        changes.append(f"assigned to {name(data['assigned_to'])}" if data.get("assigned_to") else "unassigned")
    if data.get("title") != before.get("title"):
        changes.append("retitled")
    if data.get("priority") != before.get("priority"):
        changes.append(f"priority {data.get('priority')}")
    return ("Updated: " + ", ".join(changes)) if changes else "Edited"


def _lease(data):
    try:
        seconds = (parse_iso(data["lease_expires_at"]) - parse_iso(data["claimed_at"])).total_seconds()
    except (AttributeError, KeyError, TypeError, ValueError):
        return ""
    return f" with a {round(seconds)} s lease"


def _status(value):
    return (value or "?").replace("_", " ")
