"""Edit history (SPEC §10): the version before each edit of a post's title or content."""

from ..clock import now_iso
from ..errors import Forbidden
from ..models import PostEdit, insert_row
from .common import access_post


def record(identity, post, data):
    """Called by a PATCH before it changes `post` (a Post row): stores the previous version
    and sets edited_at when title or content really change. Returns whether they did."""
    changed = any(name in data and data[name] != getattr(post, name) for name in ("title", "content"))
    if changed:
        insert_row(PostEdit, post_id=post.id, org_id=post.org_id, previous_content=post.content,
                   previous_title=post.title, edited_by=identity.id)
        post.edited_at = now_iso()
    return changed


def list_edits(identity, post_id):
    """Newest first, unpaged. Only the author and owner/admin: an author who removes a leaked
    secret by editing removes it for every other reader too."""
    post = access_post(identity, post_id)
    if post.author_id != identity.id and not identity.is_admin:
        raise Forbidden("Only the author, an owner or an admin can read a post's edit history")
    rows = PostEdit.select().where(PostEdit.post_id == post.id).order_by(PostEdit.created_at.desc(), PostEdit.id.desc())
    return [row.to_dict() for row in rows]


def delete_for_post(post_id):
    PostEdit.delete().where(PostEdit.post_id == post_id).execute()
