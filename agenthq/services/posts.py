"""Posts: write, read, full-text search, edit and delete."""

from .. import eventlog
from ..clock import now_iso
from ..errors import Forbidden
from ..models import Agent, Post, User, insert_row, database
from ..search.posts import search_posts
from ..search.query import parse
from . import activity, edits, pins, reactions
from .common import access_channel, access_post, channel_page, identity_ref, paginate_fields, readable_channel_ids


def create(identity, data, html=None):
    """`html`: the content already rendered for the page (the caller renders it before the
    write, off the loop and outside this transaction); None leaves the page its plain text."""
    parent_id = data.get("parent_id")
    if parent_id:
        # A reply goes beside its parent whatever channel_id names (§6.2): the Go CLI's
        # `post reply` sends none, and agents answering a question often send the wrong one.
        parent = access_post(identity, parent_id, what="parent post")
        channel = access_channel(identity, parent.channel_id, what="parent post")
    else:  # the schema requires one of the two
        channel = access_channel(identity, data["channel_id"])
    post = Post(**insert_row(
        Post, org_id=identity.org_id, channel_id=channel.id, author_id=identity.id, author_type=identity.kind,
        type=data["type"], title=data.get("title"), content=data["content"], metadata=data.get("metadata") or {},
        parent_id=parent_id, html=html,
    )).to_dict()
    post["reactions"] = []
    activity.record(identity, "post.created", "post", post["id"], {"channel_id": channel.id, "type": post["type"]})
    return post, [eventlog.post_event("post.created", post, channel.type)]


def list_posts(identity, query):
    filters = ("type", "author_id", "since")
    if query.get("channel_id") and not any(query.get(name) for name in filters):
        channel_id = access_channel(identity, query["channel_id"]).id
        return channel_posts(channel_id, query)
    rows = Post.select()
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
    return reactions.attach(items), pagination


def channel_posts(channel_id, query):
    """A readable channel's page: pinned first unless pinned_first=false (SPEC §10)."""
    if query.get("pinned_first", True):
        items, pagination = pins.pinned_first_page(channel_id, query["page"], query["limit"])
    else:
        items, pagination = channel_page(channel_id, query["page"], query["limit"])
    return reactions.attach(items), pagination


def search(identity, query):
    """GET /posts/search: words and operators (§15), replies included."""
    parsed = parse(query["q"])
    page, limit = query["page"], query["limit"]
    if not parsed.words and not parsed.has_filters:
        return [], {"page": page, "limit": limit, "total": 0, "hasMore": False}
    total, items = search_posts(identity, parsed, page, limit)
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


def patch(identity, post_id, data, html=None):
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
    return result, [eventlog.post_event("post.updated", result)]


def delete(identity, post_id):
    post = access_post(identity, post_id)
    if not _may_change(identity, post):
        raise Forbidden("Only the author, an owner or an admin can delete this post")
    data = reactions.attach([post.to_dict()])[0]
    post.delete_instance()
    reactions.delete_for_post(post.id)
    edits.delete_for_post(post.id)
    activity.record(identity, "post.deleted", "post", post.id, {"channel_id": post.channel_id})
    return {"deleted": True}, [eventlog.post_event("post.deleted", data)]
