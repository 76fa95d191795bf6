"""The append-only audit log: what the server records itself, and what clients add."""

from ..models import Activity
from .common import paginate


def record(identity, action, resource_type=None, resource_id=None, details=None):
    row = Activity.create(
        org_id=identity.org_id, actor_id=identity.id, actor_type=identity.kind, action=action,
        resource_type=resource_type, resource_id=resource_id, details=details or {},
    )
    return row.to_dict()


def create(identity, data):
    return record(identity, data["action"], data.get("resource_type"), data.get("resource_id"), data.get("details")), []


def list_activity(identity, query):
    rows = Activity.select().where(Activity.org_id == identity.org_id)
    if query.get("actor_id"):
        rows = rows.where(Activity.actor_id == query["actor_id"])
    if query.get("action"):
        rows = rows.where(Activity.action == query["action"])
    if query.get("from"):
        rows = rows.where(Activity.created_at >= query["from"])
    if query.get("to"):
        rows = rows.where(Activity.created_at <= query["to"])
    return paginate(rows.order_by(Activity.id.desc()), query["page"], query["limit"], Activity.to_dict)
