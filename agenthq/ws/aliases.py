"""Colon-named aliases for original-form connections (spec 6.4): after an event, such a
connection also gets the same frame under the original server's name, with the data its
clients read. Aliases are built on the way out to one connection: never logged, never sent
to anyone else, never replayed without their event. Events that do not exist yet have their
row ready here."""

import json


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


# our event -> (alias, how its data is built from ours)
ALIASES = {
    "post.created": ("post:new", _same),
    "post.updated": ("post:updated", _same),
    "post.deleted": ("post:deleted", _post_deleted),
    "agent.online": ("agent:status", _agent_status),
    "agent.offline": ("agent:status", _agent_status),
    "notification.created": ("notification:new", _notification),
    "task.created": ("task:new", _task),
    "task.updated": ("task:updated", _task),
    "task.claimed": ("task:updated", _task),
    "task.released": ("task:updated", _task),
    "task.expired": ("task:updated", _task),
    "reaction.created": ("reaction:new", _reaction(with_reaction=True)),
    "reaction.deleted": ("reaction:removed", _reaction(with_reaction=False)),
    "insight.created": ("insight:new", _same),
}


def alias_text(event):
    """The alias frame's JSON text for an event, or None if it has no alias: same seq,
    timestamp and channel as the event's own frame."""
    row = ALIASES.get(event.type)
    if row is None:
        return None
    name, build = row
    data = event.data if isinstance(event.data, dict) else {}
    frame = {"type": name, "event": name, "data": build(data, event), "seq": event.seq, "timestamp": event.timestamp}
    if event.channel_id:
        frame["channel"] = event.channel_id
    return json.dumps(frame, separators=(",", ":"))
