"""Helpers every service shares: pagination and the one access check per guarded object."""

from peewee import fn

from ..events import is_private
from ..errors import Forbidden, NotFound
from ..models import Agent, Channel, ChannelMember, Post, User, database, public_post, select_rows
from ..models.fastpath import model_from_row
from ..validation import is_id


def paginate(query, page, limit, to_dict):
    total = query.count()
    rows = query.paginate(page, limit)
    items = [to_dict(row) for row in rows]
    return items, {"page": page, "limit": limit, "total": total, "hasMore": page * limit < total}


def channel_page(channel_id, page, limit, replies=False, total=None):
    """A channel's posts, newest first: the hub's hottest read, so it skips query building.
    Replies only with `replies` (§7: lists show top-level posts)."""
    only_roots = "" if replies else 'AND "parent_id" IS NULL '
    items = select_rows(
        Post, Post.FIELDS, only_roots + 'ORDER BY "id" DESC LIMIT ? OFFSET ?', (limit, (page - 1) * limit),
        channel_id=channel_id,
    )
    items = [public_post(item) for item in items]
    if total is None:  # else known to the caller (agenthq/pagecache.py)
        total = database.execute_sql(
            f'SELECT count(*) FROM "post" WHERE "channel_id" = {database.obj.param} {only_roots}', (channel_id,)
        ).fetchone()[0]
    return items, {"page": page, "limit": limit, "total": total, "hasMore": page * limit < total}


def paginate_fields(query, page, limit, fields):
    """paginate() for the hot lists (posts): rows come as plain dicts cut to `fields`, since
    building a model instance per row cost more than the query itself."""
    total = query.count()
    rows = query.paginate(page, limit).dicts()
    items = [{name: row[name] for name in fields} for row in rows]
    return items, {"page": page, "limit": limit, "total": total, "hasMore": page * limit < total}


def is_member(channel_id, member_id):
    return bool(select_rows(ChannelMember, ("member_id",), channel_id=channel_id, member_id=member_id))


def readable_channel_ids(identity):
    """The ids of channels the caller may read: the org's public ones and the private and DM
    ones it is in."""
    memberships = ChannelMember.select(ChannelMember.channel_id).where(ChannelMember.member_id == identity.id)
    return Channel.select(Channel.id).where(
        (Channel.org_id == identity.org_id) & ((Channel.type == "public") | Channel.id.in_(memberships))
    )


def access_channel(identity, channel_ref, what="channel"):
    """The channel if the caller may read it, by id or by name. Missing, another org's, and a
    private or DM channel the caller is not in all answer the same NOT_FOUND: such a channel
    is invisible. REST (body, query, path), /ws subscribe and search resolve channels here."""
    if is_id(channel_ref):  # a 26-character ULID is always an id, never a name
        rows = select_rows(Channel, id=channel_ref, org_id=identity.org_id)
        channel = model_from_row(Channel, rows[0]) if rows else None
        if channel is None or not _may_read(identity, channel):
            raise NotFound(what)
        return channel
    return _channel_by_name(identity, channel_ref, what)


_with_membership_sql = {}


def access_channel_as_member(identity, channel_ref, what="channel"):
    """access_channel(), and whether the caller is a member: for an id, one query where the
    two checks took two (POST /posts needs both, to post and to join a public channel)."""
    if not is_id(channel_ref):
        channel = _channel_by_name(identity, channel_ref, what)
        return channel, is_member(channel.id, identity.id)
    param = database.obj.param
    sql = _with_membership_sql.get(param)
    if sql is None:
        columns = ", ".join(f'c."{Channel._meta.fields[name].column_name}"' for name in Channel.FIELDS)
        sql = _with_membership_sql[param] = (
            f'SELECT {columns}, EXISTS (SELECT 1 FROM "{ChannelMember._meta.table_name}" AS m '
            f'WHERE m."channel_id" = c."id" AND m."member_id" = {param}) '
            f'FROM "{Channel._meta.table_name}" AS c WHERE c."id" = {param} AND c."org_id" = {param}'
        )
    row = database.execute_sql(sql, (identity.id, channel_ref, identity.org_id)).fetchone()
    if row is None:
        raise NotFound(what)
    fields = Channel._meta.fields
    channel = model_from_row(Channel, {name: fields[name].python_value(value)
                                       for name, value in zip(Channel.FIELDS, row)})
    member = bool(row[-1])
    if is_private(channel.type) and not member:
        raise NotFound(what)
    return channel, member


def _may_read(identity, channel):
    return not is_private(channel.type) or is_member(channel.id, identity.id)


def _channel_by_name(identity, channel_ref, what):
    name = channel_ref[1:] if isinstance(channel_ref, str) and channel_ref.startswith("#") else channel_ref
    # No channel is named so; and PostgreSQL refuses a NUL in any text it is sent.
    if not isinstance(name, str) or not name or "\x00" in name or len(name) > 200:
        raise NotFound(what)
    # Names are created in lower case, so the (org_id, name) index finds them; the scan on
    # LOWER(name) is only for a miss. Should readable names ever differ only in case, the
    # lower-case one wins, then the exact spelling, then the oldest.
    exact = (model_from_row(Channel, row) for row in select_rows(Channel, org_id=identity.org_id, name=name.lower()))
    readable = [channel for channel in exact if _may_read(identity, channel)]
    if not readable:
        any_case = Channel.select().where(
            (Channel.org_id == identity.org_id) & (fn.LOWER(Channel.name) == name.lower())
        ).order_by(Channel.id)
        readable = [channel for channel in any_case if _may_read(identity, channel)]
    if not readable:
        raise NotFound(what)
    return next((channel for channel in readable if channel.name == name), readable[0])


def identity_ref(identity, value):
    """An identity filter's value: "me" is the caller (§6.1), anything else is taken as sent."""
    return identity.id if value == "me" else value


def access_post(identity, post_id, what="post"):
    post = Post.get_or_none((Post.id == post_id) & (Post.org_id == identity.org_id)) if is_id(post_id) else None
    if post is None:
        raise NotFound(what)
    access_channel(identity, post.channel_id, what=what)
    return post


def access_agent(identity, agent_id):
    agent = Agent.get_or_none((Agent.id == agent_id) & (Agent.org_id == identity.org_id)) if is_id(agent_id) else None
    if agent is None:
        raise NotFound("agent")
    return agent


def require_user(identity, message="Only users can do this"):
    if not identity.is_user:
        raise Forbidden(message)


def require_admin(identity):
    if not identity.is_admin:
        raise Forbidden("Only an owner or admin can do this")


def member_exists(org_id, member_id, member_type):
    model = User if member_type == "user" else Agent
    return is_id(member_id) and model.select().where((model.id == member_id) & (model.org_id == org_id)).exists()
