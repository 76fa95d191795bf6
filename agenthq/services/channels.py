"""Channels and their members."""

from peewee import IntegrityError

from .. import eventlog
from ..errors import Conflict, Forbidden, NotFound
from ..models import Channel, ChannelMember, Post
from ..errors import ValidationError
from . import activity, channel_listing, dms, posts, readstate
from .common import access_channel, is_member, member_exists, paginate, readable_channel_ids


def create(identity, data):
    if data["name"].startswith(dms.DM_PREFIX):
        # The dm- names belong to direct messages (SPEC §11): POST /dm makes those.
        raise ValidationError("name", "Channel names starting with dm- are reserved for direct messages")
    if Channel.select().where((Channel.org_id == identity.org_id) & (Channel.name == data["name"])).exists():
        raise Conflict("CHANNEL_EXISTS", "A channel with this name already exists", field="name")
    try:
        channel = Channel.create(
            org_id=identity.org_id, name=data["name"], description=data.get("description", ""),
            type=data["type"], created_by=identity.id,
        )
    except IntegrityError:
        raise Conflict("CHANNEL_EXISTS", "A channel with this name already exists", field="name") from None
    readstate.join(channel.id, identity.id, identity.kind, identity.org_id)
    activity.record(identity, "channel.created", "channel", channel.id, {"name": channel.name, "type": channel.type})
    return channel.to_dict(), [eventlog.channel_event("channel.created", channel.to_dict())]


def list_channels(identity, query, pages=None):
    """pages: the hub's PageCache, or None; with it the unpaged list comes back as Encoded JSON."""
    if query.get("page") is None and query.get("limit") is None:
        # The original SDK's listChannels() sends no paging and expects every channel.
        # limit = total, but never 0: a limit is at least 1 everywhere else (§1).
        if pages is not None:
            items, count = channel_listing.readable_with_state(identity, pages, query.get("type"))
            return items, {"page": 1, "limit": max(1, count), "total": count, "hasMore": False}
        items = dms.decorate(identity, readstate.readable_with_state(identity, query.get("type")))
        return items, {"page": 1, "limit": max(1, len(items)), "total": len(items), "hasMore": False}
    rows = Channel.select().where(Channel.id.in_(readable_channel_ids(identity)))
    if query.get("type"):
        rows = rows.where(Channel.type == query["type"])
    rows = rows.order_by(Channel.name, Channel.id)
    items, pagination = paginate(rows, query.get("page") or 1, query.get("limit") or 20, Channel.to_dict)
    return readstate.with_read_state(identity, dms.decorate(identity, items)), pagination


def stats(identity, channel_ref):
    channel = access_channel(identity, channel_ref)
    members = ChannelMember.select().where(ChannelMember.channel_id == channel.id).count()
    posts = Post.select().where(Post.channel_id == channel.id).count()
    return {"memberCount": members, "postCount": posts}


def get(identity, channel_id):
    return readstate.with_read_state(identity, dms.decorate(identity, [access_channel(identity, channel_id).to_dict()]))[0]


def join(identity, channel_id):
    channel = access_channel(identity, channel_id)
    if channel.type != "public" and not is_member(channel.id, identity.id):
        raise Forbidden("Private channels are joined by invitation")
    readstate.join(channel.id, identity.id, identity.kind, identity.org_id)
    return {"joined": True}, []


def leave(identity, channel_id):
    channel = access_channel(identity, channel_id)
    if channel.type == "dm":
        raise Forbidden("A direct message cannot be left")
    ChannelMember.delete().where(
        (ChannelMember.channel_id == channel.id) & (ChannelMember.member_id == identity.id)
    ).execute()
    return {"left": True}, []


def add_member(identity, channel_id, data):
    channel = access_channel(identity, channel_id)
    if channel.type == "dm":
        raise Forbidden("A direct message has exactly its two members")
    if not is_member(channel.id, identity.id):
        raise Forbidden("Only members of a channel can add members to it")
    if not member_exists(identity.org_id, data["member_id"], data["member_type"]):
        raise NotFound(data["member_type"])
    readstate.join(channel.id, data["member_id"], data["member_type"], identity.org_id)
    activity.record(identity, "channel.member_added", "channel", channel.id, {"member_id": data["member_id"]})
    return {"added": True, "channel_id": channel.id, "member_id": data["member_id"]}, []


def list_posts(identity, channel_id, query, pages=None):
    channel = access_channel(identity, channel_id)
    return posts.channel_posts(channel.id, query, pages, channel.org_id)
