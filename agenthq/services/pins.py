"""Pins (SPEC §10): pin and unpin a post, a channel's pins, and pinned-first pages."""

from .. import eventlog
from ..clock import now_iso
from ..errors import Forbidden
from ..models import Post, database, public_post, select_rows
from . import reactions
from .common import access_channel, access_post, is_member


def set_pinned(identity, post_id, pinned):
    """The post, pinned or not; idempotent, with post.updated only when `pinned` changed.
    Members of the post's channel and owner/admin may; other readers (of a public channel
    they have not joined) are FORBIDDEN."""
    post = access_post(identity, post_id)
    if not identity.is_admin and not is_member(post.channel_id, identity.id):
        raise Forbidden("Only members of the channel, an owner or an admin can pin its posts")
    if bool(post.pinned) == pinned:
        return reactions.attach([post.to_dict()])[0], []
    post.pinned = pinned
    post.pinned_at = now_iso() if pinned else None
    post.pinned_by = identity.id if pinned else None
    post.updated_at = now_iso()
    post.save()
    data = reactions.attach([post.to_dict()])[0]
    return data, [eventlog.post_event("post.updated", data)]


def list_pins(identity, channel_ref):
    channel = access_channel(identity, channel_ref)
    rows = Post.select().where((Post.channel_id == channel.id) & (Post.pinned == True))  # noqa: E712
    return reactions.attach([post.to_dict() for post in rows.order_by(Post.pinned_at.desc(), Post.id.desc())])


def pinned_first_page(channel_id, page, limit, replies=False, total=None):
    """A channel's page with its pinned posts first (newest first among them), then the rest
    newest first: the pinned ones are few, read whole; the rest is one indexed page.
    Replies only with `replies` (§7: lists show top-level posts)."""
    roots = "" if replies else 'AND "parent_id" IS NULL '
    offset = (page - 1) * limit
    pinned = select_rows(Post, Post.FIELDS, roots + 'AND "pinned" = ? ORDER BY "id" DESC', (True,), channel_id=channel_id)
    items = pinned[offset:offset + limit]
    if len(items) < limit:
        rest = select_rows(Post, Post.FIELDS, roots + 'AND "pinned" = ? ORDER BY "id" DESC LIMIT ? OFFSET ?',
                           (False, limit - len(items), max(0, offset - len(pinned))), channel_id=channel_id)
        items += rest
    items = [public_post(item) for item in items]
    if total is None:  # else known to the caller (agenthq/pagecache.py)
        total = database.execute_sql(
            f'SELECT count(*) FROM "post" WHERE "channel_id" = {database.obj.param} {roots}', (channel_id,)
        ).fetchone()[0]
    return items, {"page": page, "limit": limit, "total": total, "hasMore": page * limit < total}
