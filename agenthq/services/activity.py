"""The append-only audit log: what the server records itself, and what clients add."""

from peewee import fn

from ..models import Activity, Channel, ChannelMember, insert_row, json_text
from .common import identity_ref, paginate


def record(identity, action, resource_type=None, resource_id=None, details=None):
    """Append an entry; its API form. Every field is in the inserted row, and details is never
    null, so the row is the entry as Activity.to_dict() would give it (the POST /posts path
    made a model instance here only to throw it away)."""
    row = insert_row(
        Activity, org_id=identity.org_id, actor_id=identity.id, actor_type=identity.kind, action=action,
        resource_type=resource_type, resource_id=resource_id, details=details or {},
    )
    return {name: row[name] for name in Activity.FIELDS}


def create(identity, data):
    return record(identity, data["action"], data.get("resource_type"), data.get("resource_id"), data.get("details")), []


def list_activity(identity, query):
    rows = filtered(identity, query, Activity.select())
    return paginate(rows.order_by(Activity.id.desc()), query["page"], query["limit"], Activity.to_dict)


def filtered(identity, query, rows):
    """rows narrowed to what GET /activity shows the caller for query (the feed reads it too)."""
    rows = rows.where(Activity.org_id == identity.org_id)
    if query.get("actor_id"):
        rows = rows.where(Activity.actor_id == identity_ref(identity, query["actor_id"]))
    if query.get("action"):
        rows = rows.where(Activity.action == query["action"])
    if query.get("from"):
        rows = rows.where(Activity.created_at >= query["from"])
    if query.get("to"):
        rows = rows.where(Activity.created_at <= query["to"])
    # A private channel's name and traffic are for its members (and the org's admins, as in
    # Slack's audit log): hide entries about it, or about posts in it, from the rest. A DM is
    # for its two members alone, admins included (SPEC §6.1, §11).
    hidden = _hidden_channel_ids(identity)
    about_channel = fn.COALESCE(Activity.resource_type, "") == "channel"
    rows = rows.where(~(about_channel & fn.COALESCE(Activity.resource_id, "").in_(hidden)))
    rows = rows.where(fn.COALESCE(json_text(Activity.details, "channel_id"), "").not_in(hidden))
    return rows


def _hidden_channel_ids(identity):
    """The organization's private and DM channels the caller is not in (only DMs for an
    owner or admin)."""
    memberships = ChannelMember.select(ChannelMember.channel_id).where(ChannelMember.member_id == identity.id)
    hidden_types = Channel.type == "dm" if identity.is_admin else Channel.type != "public"
    return Channel.select(Channel.id).where(
        (Channel.org_id == identity.org_id) & hidden_types & Channel.id.not_in(memberships)
    )
