"""The people directory (SPEC §11): the org's users, to DM, mention or assign one."""

from peewee import fn

from ..errors import NotFound
from ..models import User
from ..validation import is_id


def _public(identity, user):
    row = {"id": user.id, "org_id": user.org_id, "name": user.name, "role": user.role, "created_at": user.created_at}
    if identity.is_admin or user.id == identity.id:
        row["email"] = user.email  # oneself, and who manages the org, see the address
    return row


def list_users(identity, query):
    """By name, any case; `q` is a plain substring (no wildcards). Filtered here rather than
    with LIKE, whose wildcards and case rules differ between SQLite and PostgreSQL; an org's
    people are few."""
    users = User.select().where(User.org_id == identity.org_id).order_by(fn.LOWER(User.name), User.id)
    needle = (query.get("q") or "").lower()
    found = [user for user in users if needle in user.name.lower()]
    page, limit = query["page"], query["limit"]
    items = [_public(identity, user) for user in found[(page - 1) * limit:page * limit]]
    return items, {"page": page, "limit": limit, "total": len(found), "hasMore": page * limit < len(found)}


def get_user(identity, user_id):
    user = User.get_or_none((User.id == user_id) & (User.org_id == identity.org_id)) if is_id(user_id) else None
    if user is None:
        raise NotFound("user")
    return _public(identity, user)
