"""Reactions (SPEC §10): an identity's emoji on a post, idempotent, with the emoji's new count
in the event, and the summary (`reactions`) that post objects carry."""

import unicodedata

from .. import eventlog, events
from ..errors import ValidationError
from ..models import Channel, Reaction, database, insert_row, select_rows
from .common import access_post


def clean_emoji(value):
    """1..32 characters without whitespace or control characters; one pair of surrounding
    colons is stripped (`:eyes:` → `eyes`), so both spellings are one reaction."""
    if not isinstance(value, str):
        raise ValidationError("emoji", "emoji must be a string")
    if len(value) > 2 and value.startswith(":") and value.endswith(":"):
        value = value[1:-1]
    if not 1 <= len(value) <= 32:
        raise ValidationError("emoji", "emoji must be 1 to 32 characters")
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValidationError("emoji", "emoji must not contain whitespace or control characters")
    return value


def _count(post_id, emoji):
    return Reaction.select().where((Reaction.post_id == post_id) & (Reaction.emoji == emoji)).count()


def _private(channel_id):
    return events.is_private(Channel.select(Channel.type).where(Channel.id == channel_id).scalar())


def add(identity, post_id, data):
    """{reaction, created}: the same (post, author, emoji) again is the existing one, with no
    event (and no notification: see notify_target)."""
    emoji = clean_emoji(data.get("emoji"))
    post = access_post(identity, post_id)
    existing = select_rows(Reaction, post_id=post.id, author_id=identity.id, emoji=emoji)
    if existing:
        return {"reaction": existing[0], "created": False}, []
    reaction = insert_row(Reaction, org_id=identity.org_id, post_id=post.id, author_id=identity.id,
                          author_type=identity.kind, emoji=emoji)
    reaction = {name: reaction[name] for name in Reaction.FIELDS}
    data = {**reaction, "channel_id": post.channel_id, "count": _count(post.id, emoji)}
    event = eventlog.record(events.draft("reaction.created", identity.org_id, data, post.channel_id,
                                         _private(post.channel_id)))
    return {"reaction": reaction, "created": True, "post": post.to_dict()}, [event]


def remove(identity, post_id, emoji):
    post = access_post(identity, post_id)
    try:
        emoji = clean_emoji(emoji)
    except ValidationError:
        return {"removed": False}, []  # no reaction can have that name, so none was removed
    removed = Reaction.delete().where(
        (Reaction.post_id == post.id) & (Reaction.author_id == identity.id) & (Reaction.emoji == emoji)).execute()
    if not removed:
        return {"removed": False}, []
    data = {"post_id": post.id, "channel_id": post.channel_id, "emoji": emoji, "author_id": identity.id,
            "author_type": identity.kind, "count": _count(post.id, emoji)}
    event = eventlog.record(events.draft("reaction.deleted", identity.org_id, data, post.channel_id,
                                         _private(post.channel_id)))
    return {"removed": True}, [event]


def list_for_post(identity, post_id):
    post = access_post(identity, post_id)
    return summaries([post.id])[post.id]


def summaries(post_ids):
    """{post_id: [{emoji, count, authors: [{id, type}]}]} in order of each emoji's first use
    (the original's ReactionSummary); one query for a whole page of posts."""
    found = {post_id: {} for post_id in post_ids}
    if not post_ids:
        return {}
    # Plain SQL: every post list pays for this query, and Peewee composing it cost more than
    # SQLite running it (bench/channel_page.py).
    marks = ", ".join([database.obj.param] * len(found))
    rows = database.execute_sql(
        f'SELECT "post_id", "emoji", "author_id", "author_type" FROM "reaction" WHERE "post_id" IN ({marks}) '
        f'ORDER BY "created_at", "id"', list(found)).fetchall()
    for post_id, emoji, author_id, author_type in rows:
        entry = found[post_id].setdefault(emoji, {"emoji": emoji, "count": 0, "authors": []})
        entry["count"] += 1
        entry["authors"].append({"id": author_id, "type": author_type})
    return {post_id: list(by_emoji.values()) for post_id, by_emoji in found.items()}


def attach(posts):
    """Give each post dict its `reactions` (in place, and returned)."""
    by_post = summaries([post["id"] for post in posts])
    for post in posts:
        post["reactions"] = by_post.get(post["id"], [])
    return posts


def notify_target(result, identity):
    """Notification hook (issue 14's inbox calls it after add()): the post's author as
    (id, type) when a new reaction is someone else's; None otherwise (a repeat, one's own)."""
    if not result.get("created"):
        return None
    post = result["post"]
    if post["author_id"] == identity.id:
        return None
    return post["author_id"], post["author_type"]


def delete_for_post(post_id):
    """A deleted post takes its reactions along."""
    Reaction.delete().where(Reaction.post_id == post_id).execute()


