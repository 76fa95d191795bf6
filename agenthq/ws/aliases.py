"""Colon-named aliases for original-form connections (spec 6.4): after an event, such a
connection also gets the same frame under the original server's name (the `alias` column of
agenthq/events.py's table), with the data the original's clients read (built here). Aliases
are built on the way out to one connection: never logged, never sent to anyone else, never
replayed without their event. Events that do not exist yet have their builder ready."""

import json

from ..events import EVENTS


def _same(data, event):
    return data


def _post_deleted(data, event):
    return {**data, "postId": data.get("id")}


def _agent_status(data, event):
    # The agent as it is after the change: agent.online may leave it busy, not "online".
    status = data.get("status") or event.type.rpartition(".")[2]
    return {"agentId": data.get("id"), "status": status, "timestamp": event.timestamp}


def _notification(data, event):
    notification = data.get("notification", data)
    recipient = notification.get("recipient_id") or data.get("recipient_id")
    return {**notification, "recipientId": recipient, "notification": notification}


def _task(data, event):
    task = data.get("task", data)
    return {**task, "task": task}


def _reaction(with_reaction):
    def build(data, event):
        reaction = data.get("reaction", data)
        alias = {
            "postId": reaction.get("post_id"),
            "emoji": reaction.get("emoji"),
            "author_id": reaction.get("author_id"),
            "author_type": reaction.get("author_type"),
        }
        if with_reaction:
            alias["reaction"] = reaction
        return alias

    return build


# alias -> how its data is built from our event's
BUILDERS = {
    "post:new": _same,
    "post:updated": _same,
    "post:deleted": _post_deleted,
    "agent:status": _agent_status,
    "notification:new": _notification,
    "task:new": _task,
    "task:updated": _task,
    "reaction:new": _reaction(with_reaction=True),
    "reaction:removed": _reaction(with_reaction=False),
    "insight:new": _same,
}

ALIASES = {kind.name: kind.alias for kind in EVENTS.values() if kind.alias}


def alias_text(event):
    """The alias frame's JSON text for an event, or None if it has no alias: same seq,
    timestamp and channel as the event's own frame."""
    name = ALIASES.get(event.type)
    if name is None:
        return None
    data = event.data if isinstance(event.data, dict) else {}
    frame = {"type": name, "event": name, "data": BUILDERS[name](data, event), "seq": event.seq,
             "timestamp": event.timestamp}
    if event.channel_id:
        frame["channel"] = event.channel_id
    return json.dumps(frame, separators=(",", ":"))
