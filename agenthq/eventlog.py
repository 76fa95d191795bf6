"""The durable event log behind lossless resume: events recorded with their seq in the write
transaction of the change they report, read back for replay and for the broker, and pruned
past the retention window. The events themselves, as plain data, are agenthq/events.py."""

import dataclasses
from json.encoder import encode_basestring_ascii as quoted

from . import events
from .clock import now_iso
from .events import CHANNEL, IDENTITY, MEMBERS, ORG, Event
from .bulk import insert_rows
from .models import Channel, ChannelMember, Organization, insert_row, next_seq
from .models import Event as EventRow


def record(draft, seq=None):
    """Append to the log inside the caller's write transaction, so the event exists exactly
    when the change it reports does; the audience filter is read in the same transaction.
    seq: one the caller reserved with next_seq() in this transaction (a post stores the seq
    of its post.created, so it is known before the event is written)."""
    members = _members(draft.channel_id) if draft.members_only else None
    event = Event(draft.org_id, seq or next_seq(draft.org_id), draft.type, draft.audience, draft.channel_id, draft.data,
                  now_iso(), members, draft.recipient_id)
    insert_row(
        EventRow, org_id=event.org_id, seq=event.seq, type=event.type, audience=event.audience,
        channel_id=event.channel_id, recipient_id=event.recipient_id, data=event.data, timestamp=event.timestamp,
    )
    return event


class Framed(Event):
    """An event whose frame text was built by its maker from a template (record_framed), so
    that publishing a thousand of them serializes none. Not a dataclass field: the broker's
    wire form and dataclasses.replace() see a plain Event (which encodes itself)."""

    def encode(self):
        return self.__dict__.get("text") or Event.encode(self)


def record_framed(org_id, name, items):
    """Record many IDENTITY events of one kind and organization (a notification per member
    of an @channel post) in one seq block and one multi-row insert. items: (recipient id,
    data, data's JSON text exactly as json.dumps writes it with the log's separators), made
    by their maker from a template (a thousand notifications differ only in id and
    recipient); stored as that text and framed by concatenation."""
    if not items:
        return []
    if events.EVENTS[name].audience != IDENTITY:
        raise ValueError(f"{name}: only identity events are recorded framed")
    last = next_seq(org_id, len(items))
    first = last - len(items) + 1
    stamp = now_iso()
    head = f'{{"type":{quoted(name)},"event":{quoted(name)},"data":'
    tail = f',"timestamp":{quoted(stamp)}}}'
    found, rows = [], []
    for offset, (recipient_id, data, text) in enumerate(items):
        # Filled in directly: a frozen dataclass's __init__ sets each field through
        # object.__setattr__, a cost a thousand notifications notice.
        event = object.__new__(Framed)
        event.__dict__.update(org_id=org_id, seq=first + offset, type=name, audience=IDENTITY, channel_id=None,
                              data=data, timestamp=stamp, members=None, recipient_id=recipient_id,
                              text=f"{head}{text},\"seq\":{first + offset}{tail}")
        found.append(event)
        rows.append((org_id, first + offset, name, IDENTITY, None, recipient_id, text, stamp))
    insert_rows(EventRow, ("org_id", "seq", "type", "audience", "channel_id", "recipient_id", "data", "timestamp"),
                rows)
    return found


def post_event(name, post, channel_type=None, seq=None):
    """Record post.created / post.updated / post.deleted. Pass channel_type when the caller
    has the channel, to spare a read."""
    if channel_type is None:
        channel_type = Channel.select(Channel.type).where(Channel.id == post["channel_id"]).scalar()
    return record(events.post_event(name, post, events.is_private(channel_type)), seq)


def agent_event(name, agent):
    return record(events.agent_event(name, agent))


def channel_event(name, channel):
    return record(events.channel_event(name, channel))


def _members(channel_id):
    rows = ChannelMember.select(ChannelMember.member_id).where(ChannelMember.channel_id == channel_id)
    return frozenset(row.member_id for row in rows)


def newest_seq(org_id):
    return Organization.select(Organization.last_seq).where(Organization.id == org_id).scalar() or 0


def newest_seqs(org_ids):
    """{org_id: newest seq} for several organizations in one query."""
    rows = Organization.select(Organization.id, Organization.last_seq).where(Organization.id.in_(list(org_ids)))
    return {row.id: row.last_seq for row in rows}


def resume_floor(org_id):
    """The lowest `since` that can still be resumed: events after it are all in the log."""
    oldest = EventRow.select(EventRow.seq).where(EventRow.org_id == org_id).order_by(EventRow.seq).limit(1).scalar()
    return oldest - 1 if oldest is not None else newest_seq(org_id)


def replay(org_id, since, channel_id=None, member_of=(), limit=500, recipient_id=None):
    """Logged events after `since`, oldest first: a channel's events, or (no channel_id) the
    org-wide ones, including private-channel events of channels in member_of and, given
    recipient_id, the IDENTITY events of that identity (of nobody else)."""
    rows = EventRow.select().where((EventRow.org_id == org_id) & (EventRow.seq > since))
    if channel_id:
        rows = rows.where((EventRow.channel_id == channel_id) & (EventRow.audience == CHANNEL))
    else:
        wanted = (EventRow.audience == ORG) | ((EventRow.audience == MEMBERS) & EventRow.channel_id.in_(list(member_of)))
        if recipient_id:
            wanted = wanted | ((EventRow.audience == IDENTITY) & (EventRow.recipient_id == recipient_id))
        rows = rows.where(wanted)
    return [Event.from_row(row) for row in rows.order_by(EventRow.seq).limit(limit).dicts()]


def logged(org_id, after, upto):
    """Events after..upto of an organization, oldest first, each with the audience filter
    (members) a publisher would have sent: what a process whose copy of the live stream
    missed them delivers instead (agenthq/broker.py). Members are read now, not at write
    time: a member who left since is not sent a post they may no longer read."""
    rows = EventRow.select().where((EventRow.org_id == org_id) & (EventRow.seq > after) & (EventRow.seq <= upto))
    found = []
    for row in rows.order_by(EventRow.seq).dicts():
        event = Event.from_row(row)
        if event.audience == MEMBERS or (
            event.audience == CHANNEL
            and Channel.select().where((Channel.id == event.channel_id) & (Channel.type != "public")).exists()
        ):
            event = dataclasses.replace(event, members=_members(event.channel_id))
        found.append(event)
    return found


def prune(older_than_iso, held=None, backlog_until_iso=None):
    """Forget events past the retention window; resume_floor() then asks for a resync. held
    ({org_id: seq}) keeps an organization's events after that seq, owed to a webhook that has
    not reached them, unless they are older than backlog_until_iso (the cap: a receiver dead
    for days must not keep the log growing forever)."""
    old = EventRow.timestamp < older_than_iso
    if not held:
        return EventRow.delete().where(old).execute()
    count = EventRow.delete().where(old & EventRow.org_id.not_in(list(held))).execute()
    for org_id, seq in held.items():
        owed = EventRow.seq > seq
        if backlog_until_iso:
            owed = owed & (EventRow.timestamp >= backlog_until_iso)
        count += EventRow.delete().where(old & (EventRow.org_id == org_id) & ~owed).execute()
    return count
