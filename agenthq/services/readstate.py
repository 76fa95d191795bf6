"""Read state (§9): one forward-only pointer per (identity, channel it is a member of), the
unread and mention counts it gives, and the default channels new identities join."""

from ..events import is_private
from .. import eventlog, events
from ..errors import Forbidden
from ..models import Channel, ChannelMember, Mention, database, select_rows
from . import dms, notifications
from .common import access_channel

DEFAULT_CHANNEL_NAMES = ("general", "updates", "learnings", "alerts", "audit")


def join(channel_id, member_id, member_type, org_id):
    """Make a member (if not one already) whose pointer starts at the org's newest seq."""
    ChannelMember.insert(
        channel_id=channel_id, member_id=member_id, member_type=member_type,
        last_read_seq=eventlog.newest_seq(org_id),
    ).on_conflict_ignore().execute()


def join_defaults(org_id, member_id, member_type):
    """A new agent or user joins the org's public default channels."""
    channels = Channel.select(Channel.id).where(
        (Channel.org_id == org_id) & (Channel.type == "public") & Channel.name.in_(DEFAULT_CHANNEL_NAMES))
    for (channel_id,) in channels.tuples():
        join(channel_id, member_id, member_type, org_id)


def _counts(identity, channel_ids=None, pointers=None):
    """{channel_id: (last_read_seq, unread_count, mention_count)} of the caller's memberships,
    in three grouped queries whatever the number of channels. pointers: {channel_id:
    last_read_seq} of every membership, when the caller has just read them (then two)."""
    param = database.obj.param
    only = ""
    params = [identity.id]
    if channel_ids is not None:
        if not channel_ids:
            return {}
        only = f' AND m."channel_id" IN ({", ".join([param] * len(channel_ids))})'
        params += list(channel_ids)
    if pointers is None:
        pointers = dict(database.execute_sql(
            f'SELECT m."channel_id", m."last_read_seq" FROM "channel_member" AS m WHERE m."member_id" = {param}{only}',
            params).fetchall())
    if not pointers:
        return {}
    unread = dict(database.execute_sql(
        f'SELECT p."channel_id", count(*) FROM "channel_member" AS m JOIN "post" AS p '
        f'ON p."channel_id" = m."channel_id" AND p."seq" > m."last_read_seq" '
        f'WHERE m."member_id" = {param}{only} AND p."parent_id" IS NULL AND p."author_id" != {param} '
        f'GROUP BY p."channel_id"', [*params, identity.id]).fetchall())
    mentions = dict(database.execute_sql(
        f'SELECT n."channel_id", count(*) FROM "channel_member" AS m JOIN "mention" AS n '
        f'ON n."channel_id" = m."channel_id" AND n."mentioned_id" = m."member_id" '
        f'JOIN "post" AS p ON p."id" = n."post_id" AND p."seq" > m."last_read_seq" '
        f'WHERE m."member_id" = {param}{only} GROUP BY n."channel_id"', params).fetchall())
    return {cid: (seq, unread.get(cid, 0), mentions.get(cid, 0)) for cid, seq in pointers.items()}


def with_read_state(identity, channels, every=False):
    """Channel dicts answered to the caller, with member, last_read_seq, unread_count and
    mention_count (non-members: False, None, 0, 0). every: channels is every channel the
    caller can read, so its memberships need no list of ids."""
    counts = _counts(identity, None if every or len(channels) > 200 else [channel["id"] for channel in channels])
    for channel in channels:
        seq, unread, mentioned = counts.get(channel["id"], (None, 0, 0))
        channel.update(member=channel["id"] in counts, last_read_seq=seq, unread_count=unread, mention_count=mentioned)
    return channels


def dms_with_state(identity):
    """GET /dm: the caller's DMs with their read state, as every channel answered to it (§9)."""
    return with_read_state(identity, dms.list_dms(identity))


CHANNEL_COLUMNS = ("id", "org_id", "name", "description", "type", "created_by", "created_at", "updated_at")


def readable_with_state(identity, channel_type=None):
    """Every channel the caller can read, by name, with its read state: GET /channels
    without paging, asked on every page load and reconnect by someone in a hundred channels.
    Fixed SQL text, no model instances: composing the query with Peewee cost more than
    SQLite running it."""
    param = database.obj.param
    columns = ", ".join(f'c."{name}"' for name in CHANNEL_COLUMNS)
    only_type = f' AND c."type" = {param}' if channel_type else ""
    rows = database.execute_sql(
        f'SELECT {columns}, m."last_read_seq" FROM "channel" AS c LEFT JOIN "channel_member" AS m '
        f'ON m."channel_id" = c."id" AND m."member_id" = {param} '
        f'WHERE c."org_id" = {param} AND (c."type" = \'public\' OR m."member_id" IS NOT NULL){only_type} '
        f'ORDER BY c."name", c."id"',
        [identity.id, identity.org_id, *([channel_type] if channel_type else [])]).fetchall()
    # Every membership is in rows (a member can read its channel) unless a type was asked for.
    pointers = None if channel_type else {row[0]: row[-1] for row in rows if row[-1] is not None}
    counts = _counts(identity, pointers=pointers) if any(row[-1] is not None for row in rows) else {}
    items = []
    for row in rows:
        channel = dict(zip(CHANNEL_COLUMNS, row))
        seq, unread, mentioned = counts.get(channel["id"], (None, 0, 0))
        channel.update(member=channel["id"] in counts, last_read_seq=seq, unread_count=unread,
                       mention_count=mentioned)
        items.append(channel)
    return items


def state(identity, channel_id):
    seq, unread, mentioned = _counts(identity, [channel_id]).get(channel_id, (None, 0, 0))
    return {"channel_id": channel_id, "last_read_seq": seq, "unread_count": unread, "mention_count": mentioned}


def mark_read(identity, channel_ref, data):
    """POST /channels/:id/read: the pointer moves forward to seq (default and ceiling: the
    org's newest), never back; the caller's post notifications up to it are read."""
    channel = access_channel(identity, channel_ref)
    current = ChannelMember.select(ChannelMember.last_read_seq).where(
        (ChannelMember.channel_id == channel.id) & (ChannelMember.member_id == identity.id)).tuples().first()
    if current is None:
        raise Forbidden("Only members of a channel have a read pointer in it")
    newest = eventlog.newest_seq(identity.org_id)
    wanted = min(data.get("seq", newest), newest)
    if wanted <= current[0]:
        return state(identity, channel.id), []
    before = state(identity, channel.id)
    ChannelMember.update(last_read_seq=wanted).where(
        (ChannelMember.channel_id == channel.id) & (ChannelMember.member_id == identity.id)).execute()
    found = []
    read = notifications.read_in_channel(identity, channel.id, wanted)
    if read is not None:
        found.append(read)
    result = state(identity, channel.id)
    # Every event bumps the org's seq, this one too: a pointer moved only past other
    # channels' events changes nothing another tab shows, and an event for it would make
    # the next "read everything" move the pointer again, for ever.
    if found or (before["unread_count"], before["mention_count"]) != (result["unread_count"], result["mention_count"]):
        found.append(eventlog.record(events.draft("channel.read", identity.org_id, result, recipient_id=identity.id)))
    return result, found


def forget_posts(post_ids):
    Mention.delete().where(Mention.post_id.in_(post_ids)).execute()
    notifications.forget_posts(post_ids)


def poster_joins(channel, identity, seq, member=None):
    """Posting in a public channel makes the poster a member, its pointer at its own post.
    member: whether the poster is one already, when the caller has read it in this transaction."""
    # Most posts come from members: one indexed read instead of composing an INSERT each time.
    if member is None:
        member = bool(select_rows(ChannelMember, ("member_id",), channel_id=channel.id, member_id=identity.id))
    if not is_private(channel.type) and not member:
        ChannelMember.insert(channel_id=channel.id, member_id=identity.id, member_type=identity.kind,
                             last_read_seq=seq).on_conflict_ignore().execute()

