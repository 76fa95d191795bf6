"""Direct messages (SPEC §11): the one 1:1 channel between two identities of an org, found or
created whichever side asks, and the other member's fields on a DM channel."""

from peewee import IntegrityError

from .. import eventlog
from ..errors import Conflict, NotFound, ValidationError
from ..models import Agent, Channel, ChannelMember, Post, User, database
from . import activity
from .common import member_exists

DM_PREFIX = "dm-"


def dm_name(first_id, second_id):
    """The pair's channel name: both ids lowercased, sorted, so A→B and B→A name one channel.
    The (org_id, name) unique index is then the pair's unique key, also across processes."""
    return DM_PREFIX + "-".join(sorted((first_id.lower(), second_id.lower())))


def open_dm(identity, data):
    """(channel, created). Found: 200; created: 201 with channel.created to the two."""
    member_id, member_type = data["member_id"], data["member_type"]
    if member_id == identity.id:
        raise ValidationError("member_id", "A direct message needs another member than yourself")
    if not member_exists(identity.org_id, member_id, member_type):
        raise NotFound(member_type)
    name = dm_name(identity.id, member_id)
    found = _find(identity.org_id, name)
    if found is not None:
        return {"channel": decorate(identity, [found.to_dict()])[0], "created": False}, []
    try:
        with database.atomic():  # a savepoint: a lost race rolls back only this insert
            channel = Channel.create(org_id=identity.org_id, name=name, description="", type="dm",
                                     created_by=identity.id)
    except IntegrityError:
        # The other side (another process on PostgreSQL) created it first: theirs is the one.
        found = _find(identity.org_id, name)
        if found is None:  # a channel of another type took the name (made before dm- was reserved)
            raise Conflict("CHANNEL_EXISTS", "A channel already has this direct message's name") from None
        return {"channel": decorate(identity, [found.to_dict()])[0], "created": False}, []
    ChannelMember.insert_many([
        {"channel_id": channel.id, "member_id": identity.id, "member_type": identity.kind},
        {"channel_id": channel.id, "member_id": member_id, "member_type": member_type},
    ]).on_conflict_ignore().execute()
    activity.record(identity, "channel.created", "channel", channel.id, {"type": "dm"})
    event = eventlog.channel_event("channel.created", channel.to_dict())
    return {"channel": decorate(identity, [channel.to_dict()])[0], "created": True}, [event]


def _find(org_id, name):
    return Channel.get_or_none((Channel.org_id == org_id) & (Channel.name == name) & (Channel.type == "dm"))


def list_dms(identity):
    """The caller's DMs, the one with the newest post first (then the newest DM)."""
    mine = ChannelMember.select(ChannelMember.channel_id).where(ChannelMember.member_id == identity.id)
    channels = [c.to_dict() for c in Channel.select().where(
        (Channel.org_id == identity.org_id) & (Channel.type == "dm") & Channel.id.in_(mine))]
    if not channels:
        return []
    newest = dict(Post.select(Post.channel_id, Post.id).where(
        Post.channel_id.in_([c["id"] for c in channels])).order_by(Post.id).tuples())
    channels.sort(key=lambda c: (newest.get(c["id"], ""), c["id"]), reverse=True)
    return decorate(identity, channels)


def decorate(identity, channels):
    """Add member_id, member_type, member_name (the *other* member, as the Go CLI's `dm list`
    reads them) to each DM channel of `channels`; other channels are left as they are."""
    dm_ids = [c["id"] for c in channels if c["type"] == "dm"]
    if not dm_ids:
        return channels
    others = {row.channel_id: row for row in ChannelMember.select().where(
        ChannelMember.channel_id.in_(dm_ids) & (ChannelMember.member_id != identity.id))}
    names = {}
    for model, kind in ((User, "user"), (Agent, "agent")):
        ids = [row.member_id for row in others.values() if row.member_type == kind]
        if ids:
            names.update(model.select(model.id, model.name).where(model.id.in_(ids)).tuples())
    for channel in channels:
        other = others.get(channel["id"]) if channel["type"] == "dm" else None
        if other is not None:
            channel.update(member_id=other.member_id, member_type=other.member_type,
                           member_name=names.get(other.member_id, other.member_id))
    return channels


def notify_target(channel, post):
    """Notification hook (issue 14's inbox calls it): the identity a post in a DM should
    notify with a `dm` notification, as (id, type), or None outside a DM and for one's own
    post. `channel` is a Channel row or dict."""
    channel_type = channel["type"] if isinstance(channel, dict) else channel.type
    channel_id = channel["id"] if isinstance(channel, dict) else channel.id
    if channel_type != "dm":
        return None
    other = ChannelMember.get_or_none(
        (ChannelMember.channel_id == channel_id) & (ChannelMember.member_id != post["author_id"]))
    return (other.member_id, other.member_type) if other else None
