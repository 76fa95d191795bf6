"""Posts: write, read, full-text search, edit and delete."""

import json

from .. import eventlog
from ..auth import Identity
from ..clock import now_iso
from ..errors import Forbidden
from ..events import is_private
from ..pagecache import Encoded
from ..models import Agent, Channel, Post, User, insert_row, database, is_postgres, next_seq, public_post
from ..search.posts import search_posts
from ..search.query import parse
from . import activity, edits, mentions, notifications, pins, reactions, readstate, threads
from .common import access_channel, access_channel_as_member, access_post, channel_page, identity_ref, paginate_fields, readable_channel_ids


def create(identity, data, html=None, online_users=frozenset()):
    """`html`: the content already rendered for the page (the caller renders it before the
    write, off the loop and outside this transaction); None leaves the page its plain text.
    online_users: ids of people with an open /ws now, whom @here names."""
    parent_id = data.get("parent_id")
    parent = None
    if parent_id:
        # A reply goes beside its parent whatever channel_id names (§6.2): the Go CLI's
        # `post reply` sends none, and agents answering a question often send the wrong one.
        parent = access_post(identity, parent_id, what="parent post")
        channel, member = access_channel_as_member(identity, parent.channel_id, what="parent post")
    else:  # the schema requires one of the two
        channel, member = access_channel_as_member(identity, data["channel_id"])
    metadata = dict(data.get("metadata") or {})
    metadata.pop("reply_count", None)  # the server's mirror of reply_count (§7), never a client's
    seq = next_seq(identity.org_id)  # the post keeps the seq of its post.created
    row = insert_row(
        Post, org_id=identity.org_id, channel_id=channel.id, author_id=identity.id, author_type=identity.kind,
        type=data["type"], title=data.get("title"), content=data["content"], metadata=metadata,
        parent_id=parent_id, html=html, root_id=threads.root_of(parent) if parent else None, seq=seq,
    )
    # What Post(**row).to_dict() gives (every default is in row), without a model instance.
    post = public_post({name: row.get(name) for name in Post.FIELDS})
    post["reactions"] = []
    activity.record(identity, "post.created", "post", post["id"], {"channel_id": channel.id, "type": post["type"]})
    found = [eventlog.post_event("post.created", post, channel.type, seq=seq)]
    if parent is not None:
        found.append(threads.thread_updated(
            post["root_id"], identity.org_id, channel.id, is_private(channel.type), reply=post))
    readstate.poster_joins(channel, identity, seq, member)
    mentioned = mentions.resolve(post["content"], channel, identity.id, online_users)
    mentions.store(post, mentioned)
    found += notifications.for_post(post, channel, identity, mentioned, parent)
    return post, found


def list_posts(identity, query, pages=None):
    """pages: the hub's PageCache (agenthq/pagecache.py), or None; with it a channel's first
    page comes back as Encoded JSON."""
    filters = ("type", "author_id", "since")
    replies = query.get("include_replies") == "true"
    if query.get("channel_id") and not any(query.get(name) for name in filters):
        channel = access_channel(identity, query["channel_id"])
        return channel_posts(channel.id, query, pages, channel.org_id)
    rows = Post.select()
    if not replies:
        rows = rows.where(Post.parent_id.is_null())
    if query.get("channel_id"):
        rows = rows.where(Post.channel_id == access_channel(identity, query["channel_id"]).id)
    else:
        rows = rows.where(Post.channel_id.in_(readable_channel_ids(identity)))
    if query.get("type"):
        rows = rows.where(Post.type == query["type"])
    if query.get("author_id"):
        rows = rows.where(Post.author_id == identity_ref(identity, query["author_id"]))
    if query.get("since"):
        rows = rows.where(Post.created_at > query["since"])
    order = (Post.pinned.desc(), Post.id.desc()) if query.get("pinned_first", True) else (Post.id.desc(),)
    items, pagination = paginate_fields(rows.order_by(*order), query["page"], query["limit"], Post.FIELDS)
    return reactions.attach([public_post(item) for item in items]), pagination


def channel_posts(channel_id, query, pages=None, org_id=None):
    """A readable channel's page: pinned first unless pinned_first=false (SPEC §10); replies
    only with include_replies=true (§7). With pages (the hub's PageCache) and org_id, the
    first page is answered from memory when it is there, and kept there when read."""
    replies = query.get("include_replies") == "true"
    pinned_first = bool(query.get("pinned_first", True))
    page, limit = query["page"], query["limit"]
    if pages is None or page != 1:
        return _channel_posts(channel_id, page, limit, replies, pinned_first)
    shape = (replies, pinned_first, limit)
    total = pages.total(channel_id, replies)
    cached = pages.page(channel_id, shape)
    if cached is not None and total is not None:
        return cached, {"page": 1, "limit": limit, "total": total, "hasMore": limit < total}
    # The seq this read's snapshot has reached: the transaction's first read (the access
    # check) began the snapshot, so this and the page below agree.
    seq = eventlog.newest_seq(org_id)
    items, pagination = _channel_posts(channel_id, page, limit, replies, pinned_first, total)
    encoded = Encoded(json.dumps(items, separators=(",", ":"), ensure_ascii=False))
    pages.store(channel_id, shape, seq, encoded, pagination["total"])
    return encoded, pagination


def _channel_posts(channel_id, page, limit, replies, pinned_first, total=None):
    if pinned_first:
        items, pagination = pins.pinned_first_page(channel_id, page, limit, replies, total)
    else:
        items, pagination = channel_page(channel_id, page, limit, replies, total)
    return reactions.attach(items), pagination


def search(identity, query):
    """GET /posts/search: words and operators (§15), replies only with include_replies=true or is:reply (§7)."""
    parsed = parse(query["q"])
    page, limit = query["page"], query["limit"]
    if not parsed.words and not parsed.has_filters:
        return [], {"page": page, "limit": limit, "total": 0, "hasMore": False}
    # §7: replies stay out unless asked for (is:reply asks for them).
    include_replies = query.get("include_replies") == "true" or "reply" in parsed.is_
    total, items = search_posts(identity, parsed, page, limit, include_replies)
    return items, {"page": page, "limit": limit, "total": total, "hasMore": page * limit < total}


# A thread longer than this is cut, oldest replies kept, and says so (thread_truncated).
MAX_THREAD = 1000


def get(identity, post_id):
    """The post's own fields at the top level (our shape) plus the original server's keys:
    post, thread (every descendant, oldest first), authors and author."""
    post = access_post(identity, post_id).to_dict()
    thread = thread_of(post)
    truncated = len(thread) > MAX_THREAD
    thread = thread[:MAX_THREAD]
    reactions.attach([post, *thread])
    authors = author_names([post, *thread])
    return {
        **post, "post": dict(post), "thread": thread, "thread_truncated": truncated,
        "authors": authors, "author": authors[post["author_id"]],
    }


def thread_of(post):
    """Every reply under post, at any depth, oldest first, at most MAX_THREAD + 1 of them.
    UNION (not UNION ALL) so that even a corrupt cycle of parent_ids ends; only the post's own
    channel, which is every reply's (create puts a reply beside its parent), so that no row
    of a channel the caller cannot read could ever come along."""
    mark = database.obj.param
    columns = ", ".join(f'"{name}"' for name in Post.FIELDS)
    rows = Post.raw(
        f'WITH RECURSIVE thread(id) AS ('
        f'SELECT "id" FROM "post" WHERE "parent_id" = {mark} AND "org_id" = {mark} '
        f'UNION SELECT p."id" FROM "post" AS p JOIN thread ON p."parent_id" = thread.id) '
        f'SELECT {columns} FROM "post" WHERE "id" IN (SELECT id FROM thread) AND "channel_id" = {mark} '
        f'ORDER BY "id" LIMIT {MAX_THREAD + 1}',
        post["id"], post["org_id"], post["channel_id"],
    )
    return [row.to_dict() for row in rows]


def thread(identity, post_id, query):
    return threads.thread_page(identity, post_id, query)


def author_names(posts):
    """{id: {id, name, type}} for the authors of posts; one whose row is gone (a deleted agent)
    or who has no name table (an integration) is named by its id, as the original did."""
    wanted = {post["author_id"]: post["author_type"] for post in posts}
    names = {}
    for model, kind in ((Agent, "agent"), (User, "user")):
        ids = [author for author, author_type in wanted.items() if author_type == kind]
        if ids:
            names.update(model.select(model.id, model.name).where(model.id.in_(ids)).tuples())
    return {
        author: {"id": author, "name": names.get(author, author), "type": author_type}
        for author, author_type in wanted.items()
    }


def _may_change(identity, post):
    return post.author_id == identity.id or identity.is_admin


def patch(identity, post_id, data, html=None, online_users=frozenset()):
    post = access_post(identity, post_id)
    if not _may_change(identity, post):
        raise Forbidden("Only the author, an owner or an admin can edit this post")
    if not edits.record(identity, post, data):
        return reactions.attach([post.to_dict()])[0], []  # nothing changed: nothing stored or sent
    for name in ("title", "content"):
        if name in data:
            setattr(post, name, data[name])
    if "content" in data:
        post.html = html  # never the old content's HTML (see create)
    post.updated_at = now_iso()
    post.save()
    activity.record(identity, "post.updated", "post", post.id, {"channel_id": post.channel_id, "fields": sorted(data)})
    result = reactions.attach([post.to_dict()])[0]
    found = [eventlog.post_event("post.updated", result)]
    if "content" in data:  # mentions follow the new content; nobody is notified twice (§8.1)
        channel = Channel.get_by_id(post.channel_id)
        added = mentions.recompute(post.to_dict(), mentions.resolve(post.content, channel, post.author_id, online_users))
        actor = identity if identity.id == post.author_id else _author(post)
        found += notifications.for_post(post.to_dict(), channel, actor, added, skip=notifications.notified(post.id))
    return result, found


def _author(post):
    """An admin's edit notifies in the name of the post's author, whose words they are."""
    return Identity(post.author_type, post.author_id, post.org_id, "member")


def delete(identity, post_id):
    post = access_post(identity, post_id)
    if not _may_change(identity, post):
        raise Forbidden("Only the author, an owner or an admin can delete this post")
    # The subtree goes in this one transaction, replies before their parents (§7).
    doomed = reactions.attach(threads.subtree(post))
    doomed_ids = [row["id"] for row in doomed]
    Post.delete().where(Post.id.in_(doomed_ids)).execute()
    readstate.forget_posts(doomed_ids)
    for doomed_id in doomed_ids:
        reactions.delete_for_post(doomed_id)
        edits.delete_for_post(doomed_id)
    activity.record(identity, "post.deleted", "post", post.id, {"channel_id": post.channel_id, "count": len(doomed)})
    channel_type = Channel.select(Channel.type).where(Channel.id == post.channel_id).scalar()
    found = [eventlog.post_event("post.deleted", row, channel_type) for row in doomed]
    if post.root_id:
        found.append(threads.thread_updated(post.root_id, post.org_id, post.channel_id, is_private(channel_type)))
    return {"deleted": True}, [event for event in found if event is not None]
