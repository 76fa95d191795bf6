"""Threads (§7): a reply's root, the counters kept on the root, the thread read, and the
subtree a delete takes with it."""

from .. import eventlog, events
from ..models import Post, database, public_post
from . import reactions
from .common import access_post, paginate_fields


def root_of(parent):
    """The root_id a reply to `parent` (a Post) gets."""
    return parent.root_id or parent.id


def _counters(root_id):
    """(reply_count, newest reply's created_at, its id) of a thread, from its rows."""
    param = database.obj.param
    count, newest = database.execute_sql(
        f'SELECT count(*), max("created_at") FROM "post" WHERE "root_id" = {param}', (root_id,)
    ).fetchone()
    last_id = None
    if count:
        last_id = database.execute_sql(
            f'SELECT "id" FROM "post" WHERE "root_id" = {param} ORDER BY "created_at" DESC, "id" DESC LIMIT 1',
            (root_id,),
        ).fetchone()[0]
    return count, newest, last_id


def thread_updated(root_id, org_id, channel_id, private, reply=None):
    """Bring the root's counters up to date and record thread.updated; None if the root is
    gone (deleted in the same transaction). `reply`: the new reply, which spares a count."""
    root = Post.get_or_none(Post.id == root_id)
    if root is None:
        return None
    if reply is not None:
        count, newest, last_id = root.reply_count + 1, reply["created_at"], reply["id"]
    else:
        count, newest, last_id = _counters(root_id)
    # Not updated_at: a reply is no edit of the root (§7).
    Post.update(reply_count=count, last_reply_at=newest).where(Post.id == root_id).execute()
    data = {"root_id": root_id, "channel_id": channel_id, "reply_count": count,
            "last_reply_at": newest, "last_reply_id": last_id}
    return eventlog.record(events.draft("thread.updated", org_id, data, channel_id, private))


def thread_page(identity, post_id, query):
    """GET /posts/:id/thread: the root then every descendant, oldest first, paged; :id may
    be any post of the thread."""
    post = access_post(identity, post_id)
    root_id = post.root_id or post.id
    rows = Post.select().where(
        ((Post.id == root_id) | (Post.root_id == root_id)) & (Post.channel_id == post.channel_id)
    ).order_by(Post.created_at, Post.id)
    items, pagination = paginate_fields(rows, query["page"], query["limit"], Post.FIELDS)
    return reactions.attach([public_post(item) for item in items]), pagination


def subtree(post):
    """`post` (a Post) and every descendant, replies before their parents (deepest first),
    as dicts. A root's subtree is its thread; a reply's is read from its thread's rows."""
    root_id = post.root_id or post.id
    rows = Post.select().where(
        ((Post.id == root_id) | (Post.root_id == root_id)) & (Post.channel_id == post.channel_id)
    )
    rows = [public_post({name: row[name] for name in Post.FIELDS}) for row in rows.dicts()]
    children = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)
    depth_of, order, stack = {post.id: 0}, [], [post.id]
    by_id = {row["id"]: row for row in rows}
    while stack:  # iterative, and each post once, so even a corrupt cycle ends
        current = stack.pop()
        order.append(by_id[current])
        for child in children.get(current, ()):
            if child["id"] not in depth_of:
                depth_of[child["id"]] = depth_of[current] + 1
                stack.append(child["id"])
    return sorted(order, key=lambda row: (-depth_of[row["id"]], row["id"]))
