"""The notification inbox (§8.2): made for a post's recipients (one each, dm > mention >
reply), listed, counted and marked read by their recipient alone. Their events have the
audience `identity`: stored, sent and replayed to the recipient's own connections only."""

import json
from json.encoder import encode_basestring_ascii as quoted

from ..events import is_private
from .. import eventlog, events
from ..errors import NotFound
from ..bulk import insert_rows
from ..models import Agent, Channel, ChannelMember, Notification, Post, User, new_id, new_ids
from ..clock import now_iso
from ..validation import is_id
from . import dms

# The original SDK and server spell the task type so; both mean ours.
TYPE_ALIASES = {"task": "task_assigned", "task_assignment": "task_assigned"}
POST_TYPES = ("mention", "reply", "dm")  # what reading a channel marks read (§9)
BODY_LENGTH = 200
SHARED = Notification.FIELDS[4:]  # what a post's notifications of one type have in common


def name_of(identity_id, kind):
    model = User if kind == "user" else Agent
    return model.select(model.name).where(model.id == identity_id).scalar() or identity_id


def _body(content):
    return content if len(content) <= BODY_LENGTH else content[:BODY_LENGTH] + "…"


def for_post(post, channel, actor, mentioned, parent=None, skip=frozenset()):
    """Record the notifications a post makes: DM to the other members of a DM channel, a
    mention to those it names (mentioned: {id: (type, kind)}, readers already), a reply to
    the parent's author if they can read it; one each, the first of these that applies,
    never to the actor nor to anyone in skip (notified of this post before an edit)."""
    recipients = {}
    target = dms.notify_target(channel, post)  # the other member of a DM, else None
    if target is not None:
        recipients[target[0]] = (target[1], "dm")
    for who, (kind_of, _) in mentioned.items():
        recipients.setdefault(who, (kind_of, "mention"))
    if parent is not None and parent.author_id not in recipients and (
            not is_private(channel.type) or ChannelMember.select().where(
                (ChannelMember.channel_id == channel.id) & (ChannelMember.member_id == parent.author_id)).exists()):
        recipients[parent.author_id] = (parent.author_type, "reply")
    recipients.pop(actor.id, None)
    for who in skip:
        recipients.pop(who, None)
    if not recipients:
        return []
    actor_name = name_of(actor.id, actor.kind)
    titles = {
        "mention": f"{actor_name} mentioned you in #{channel.name}",
        "reply": f"{actor_name} replied in #{channel.name}",
        "dm": f"{actor_name} sent you a direct message",
    }
    stamp, body = now_iso(), _body(post["content"])
    # An @channel notifies a thousand members with rows that differ only in id and
    # recipient: what the rows of one type share is built (and written as JSON) once.
    shared = {}
    org_id, read = post["org_id"], Notification._meta.fields["read"].db_value(False)
    rows, items = [], []
    for notification_id, (who, (kind_of, kind)) in zip(new_ids(len(recipients)), recipients.items()):
        if kind not in shared:
            source = (channel.id, "channel") if kind == "dm" else (post["id"], "post")
            rest = dict(zip(SHARED, (kind, source[0], source[1], actor.id, actor.kind, channel.id, post["id"],
                                     titles[kind], body, False, stamp)))
            shared[kind] = (rest, tuple(read if name == "read" else rest[name] for name in SHARED),
                            "," + _json(rest)[1:])
        rest, values, text = shared[kind]
        rows.append((notification_id, org_id, who, kind_of, *values))
        items.append((who, {"id": notification_id, "org_id": org_id, "recipient_id": who, "recipient_type": kind_of,
                            **rest},
                      f'{{"id":{quoted(notification_id)},"org_id":{quoted(org_id)},"recipient_id":{quoted(who)},'
                      f'"recipient_type":{quoted(kind_of)}{text}'))
    insert_rows(Notification, Notification.FIELDS, rows)
    return eventlog.record_framed(org_id, "notification.created", items)


def for_reaction(target, post, emoji, actor):
    """A `reaction` notification to the post's author (target: services.reactions.notify_target,
    None for a repeat or one's own post), if they can still read the post's channel."""
    if target is None:
        return []
    channel = Channel.get_by_id(post["channel_id"])
    if is_private(channel.type) and not ChannelMember.select().where(
            (ChannelMember.channel_id == channel.id) & (ChannelMember.member_id == target[0])).exists():
        return []
    where = "a direct message" if channel.type == "dm" else f"#{channel.name}"
    return _store([{
        "id": new_id(), "org_id": post["org_id"], "recipient_id": target[0], "recipient_type": target[1],
        "type": "reaction", "source_id": post["id"], "source_type": "post", "actor_id": actor.id,
        "actor_type": actor.kind, "channel_id": channel.id, "post_id": post["id"],
        "title": f"{name_of(actor.id, actor.kind)} reacted {emoji} to your post in {where}",
        "body": _body(post["content"]), "read": False, "created_at": now_iso(),
    }])


def for_task(task, actor):
    """A `task_assigned` notification to the task's assignee, when someone else assigned it
    (task: the task as stored). A task in a private or DM channel has a member as its assignee
    (services.tasks checks it), but the check is repeated here so that no path ever tells a
    non-member about a task it cannot read."""
    recipient = task["assigned_to"]
    if not recipient or recipient == actor.id:
        return []
    if task["channel_id"]:
        channel_type = Channel.select(Channel.type).where(Channel.id == task["channel_id"]).scalar()
        if is_private(channel_type) and not ChannelMember.select().where(
                (ChannelMember.channel_id == task["channel_id"]) & (ChannelMember.member_id == recipient)).exists():
            return []
    return _store([{
        "id": new_id(), "org_id": task["org_id"], "recipient_id": recipient, "recipient_type": task["assigned_type"],
        "type": "task_assigned", "source_id": task["id"], "source_type": "task", "actor_id": actor.id,
        "actor_type": actor.kind, "channel_id": task["channel_id"], "post_id": None,
        "title": f"{name_of(actor.id, actor.kind)} assigned you a task: {task['title']}", "body": None,
        "read": False, "created_at": now_iso(),
    }])


def _store(rows):
    """Insert notifications (dicts in Notification.FIELDS order) and log their events."""
    read = Notification._meta.fields["read"]
    insert_rows(Notification, Notification.FIELDS,
                [tuple(read.db_value(row[n]) if n == "read" else row[n] for n in Notification.FIELDS) for row in rows])
    return eventlog.record_framed(rows[0]["org_id"], "notification.created",
                                  [(row["recipient_id"], row, _json(row)) for row in rows])


def _json(data):
    return json.dumps(data, separators=(",", ":"))  # as the event log writes it (models.JSONField)


def notified(post_id):
    """Ids of those already notified of a post (an edit notifies nobody twice)."""
    return {row[0] for row in Notification.select(Notification.recipient_id).where(
        Notification.post_id == post_id).tuples()}


def list_own(identity, query):
    rows = Notification.select().where(Notification.recipient_id == identity.id)
    if query.get("type"):
        rows = rows.where(Notification.type == TYPE_ALIASES.get(query["type"], query["type"]))
    if query.get("read") is not None:
        rows = rows.where(Notification.read == (query["read"] == "true"))
    rows = rows.order_by(Notification.id.desc())
    total = rows.count()
    page, limit = query["page"], query["limit"]
    items = [row.to_dict() for row in rows.paginate(page, limit)]
    return items, {"page": page, "limit": limit, "total": total, "hasMore": page * limit < total}


def unread_count(identity_id):
    return Notification.select().where(
        (Notification.recipient_id == identity_id) & (Notification.read == False)).count()  # noqa: E712


def count(identity):
    return {"count": unread_count(identity.id)}


def _read_event(identity, ids):
    data = {"ids": ids, "unread_count": unread_count(identity.id)}
    return eventlog.record(events.draft("notification.read", identity.org_id, data, recipient_id=identity.id))


def mark_read(identity, notification_id):
    row = Notification.get_or_none(
        (Notification.id == notification_id) & (Notification.recipient_id == identity.id)
    ) if is_id(notification_id) else None
    if row is None:
        raise NotFound("notification")
    found = []
    if not row.read:
        Notification.update(read=True).where(Notification.id == row.id).execute()
        row.read = True
        found.append(_read_event(identity, [row.id]))
    return row.to_dict(), found


def read_all(identity):
    updated = Notification.update(read=True).where(
        (Notification.recipient_id == identity.id) & (Notification.read == False)).execute()  # noqa: E712
    found = [_read_event(identity, None)] if updated else []
    return {"read": True, "updated": updated}, found


def read_in_channel(identity, channel_id, upto_seq):
    """Mark read the caller's post notifications of a channel up to a seq (§9); the
    notification.read event, or None when nothing changed."""
    posts = Post.select(Post.id).where((Post.channel_id == channel_id) & (Post.seq <= upto_seq))
    wanted = ((Notification.recipient_id == identity.id) & (Notification.channel_id == channel_id)
              & (Notification.read == False) & Notification.type.in_(POST_TYPES)  # noqa: E712
              & Notification.post_id.in_(posts))
    ids = [row[0] for row in Notification.select(Notification.id).where(wanted).tuples()]
    if not ids:
        return None
    Notification.update(read=True).where(Notification.id.in_(ids)).execute()
    return _read_event(identity, ids)


def forget_posts(post_ids):
    """A deleted subtree's notifications go with it (§7)."""
    Notification.delete().where(Notification.post_id.in_(post_ids)).execute()
