"""Events: what happened, to whom it goes, and the durable log (with seq) it is written to."""

import dataclasses
import json
from dataclasses import dataclass

from .clock import now_iso
from .models import Event as EventRow
from .models import Channel, ChannelMember, Organization, insert_row, next_seq

ORG, CHANNEL, MEMBERS = "org", "channel", "members"


@dataclass(frozen=True)
class Event:
    org_id: str
    seq: int
    type: str
    audience: str  # ORG: every connection of the org; CHANNEL: its subscribers; MEMBERS: its members
    channel_id: str | None
    data: dict
    timestamp: str
    # Ids allowed to hear it, read in the same transaction (never sent): the members of a
    # MEMBERS event's channel, or of a private channel for a CHANNEL event; None: no filter.
    members: frozenset | None = None

    def frame(self):
        frame = {"type": self.type, "event": self.type, "data": self.data, "seq": self.seq, "timestamp": self.timestamp}
        if self.channel_id:
            frame["channel"] = self.channel_id
        return frame

    def encode(self):
        return json.dumps(self.frame(), separators=(",", ":"))

    @classmethod
    def from_row(cls, row):
        data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
        return cls(row["org_id"], row["seq"], row["type"], row["audience"], row["channel_id"], data, row["timestamp"])


def _record(org_id, event_type, data, audience=ORG, channel_id=None, members=None):
    """Append to the log inside the caller's write transaction, so the event exists exactly
    when the change it reports does."""
    event = Event(org_id, next_seq(org_id), event_type, audience, channel_id, data, now_iso(), members)
    insert_row(
        EventRow, org_id=org_id, seq=event.seq, type=event_type, audience=audience,
        channel_id=channel_id, data=data, timestamp=event.timestamp,
    )
    return event


def post_event(kind, post, channel_type=None):
    """post.created / post.updated / post.deleted, to the channel's subscribers; in a private
    channel only to those still its members, since a subscription is checked when it is made
    and a member may leave afterwards. Pass channel_type when the caller has the channel."""
    if channel_type is None:
        channel_type = Channel.select(Channel.type).where(Channel.id == post["channel_id"]).scalar()
    private = channel_type == "private"
    return _record(
        post["org_id"], f"post.{kind}", post, CHANNEL, post["channel_id"],
        _members(post["channel_id"]) if private else None,
    )


def _members(channel_id):
    rows = ChannelMember.select(ChannelMember.member_id).where(ChannelMember.channel_id == channel_id)
    return frozenset(row.member_id for row in rows)


def agent_event(kind, agent):
    """agent.online / offline / updated / deleted, to the whole organization."""
    return _record(agent["org_id"], f"agent.{kind}", agent)


def channel_event(kind, channel):
    """channel.created / updated: the org hears of public channels, members of private ones."""
    if channel["type"] != "private":
        return _record(channel["org_id"], f"channel.{kind}", channel, ORG, channel["id"])
    return _record(channel["org_id"], f"channel.{kind}", channel, MEMBERS, channel["id"], _members(channel["id"]))


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


def replay(org_id, since, channel_id=None, member_of=(), limit=500):
    """Logged events after `since`, oldest first: a channel's post events, or (no channel_id)
    the org-wide ones, including private-channel events of channels in member_of."""
    rows = EventRow.select().where((EventRow.org_id == org_id) & (EventRow.seq > since))
    if channel_id:
        rows = rows.where((EventRow.channel_id == channel_id) & (EventRow.audience == CHANNEL))
    else:
        rows = rows.where(
            (EventRow.audience == ORG) | ((EventRow.audience == MEMBERS) & EventRow.channel_id.in_(list(member_of)))
        )
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
            and Channel.select().where((Channel.id == event.channel_id) & (Channel.type == "private")).exists()
        ):
            event = dataclasses.replace(event, members=_members(event.channel_id))
        found.append(event)
    return found


def to_wire(event):
    """The event as the broker carries it between processes, members included."""
    body = dataclasses.asdict(event)
    body["members"] = sorted(event.members) if event.members is not None else None
    return json.dumps(body, separators=(",", ":"))


def from_wire(text):
    body = json.loads(text)
    members = body.pop("members")
    return Event(**body, members=frozenset(members) if members is not None else None)


def prune(older_than_iso):
    """Forget events past the retention window; resume_floor() then asks for a resync."""
    return EventRow.delete().where(EventRow.timestamp < older_than_iso).execute()
