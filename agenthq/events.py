"""Events as plain data: every event name written out once, in one table with its audience,
who may see it, what it carries, and whether webhooks and original-form clients get it; the
Event type and the constructors services use. Standard library only, so the registry, the
broker and tests import it without a database (the durable log is agenthq/eventlog.py)."""

import json
from dataclasses import asdict, dataclass

# Audiences: to whom the registry sends an event.
ORG = "org"  # every connection of the organization
CHANNEL = "channel"  # the connections subscribed to channel_id
MEMBERS = "members"  # the connections of members of the private channel channel_id
IDENTITY = "identity"  # the connections of one identity, recipient_id (never anyone else)

# Who may see it, whatever the audience: what REST, replay, webhooks and feeds must respect.
ANYONE = "org"  # any identity of the organization
READERS = "readers"  # who can read its channel: the org for a public one, members otherwise
RECIPIENT = "recipient"  # recipient_id alone


@dataclass(frozen=True)
class Kind:
    name: str
    audience: str
    seen_by: str
    data: str  # what `data` carries
    webhook: bool  # an outgoing webhook may select it (never private, never to one identity)
    alias: str | None = None  # the colon name original-form clients also get


KINDS = (
    Kind("agent.created", ORG, ANYONE, "the agent", True),
    Kind("agent.online", ORG, ANYONE, "the agent", True, "agent:status"),
    Kind("agent.offline", ORG, ANYONE, "the agent", True, "agent:status"),
    Kind("agent.updated", ORG, ANYONE, "the agent", True),
    Kind("agent.deleted", ORG, ANYONE, "the agent as it was", True),
    Kind("channel.created", ORG, READERS, "the channel", True),
    Kind("channel.updated", ORG, READERS, "the channel", True),
    Kind("channel.read", IDENTITY, RECIPIENT, "{channel_id, last_read_seq, unread_count, mention_count}", False),
    Kind("post.created", CHANNEL, READERS, "the post", True, "post:new"),
    Kind("post.updated", CHANNEL, READERS, "the post", True, "post:updated"),
    Kind("post.deleted", CHANNEL, READERS, "the post as it was", True, "post:deleted"),
    Kind("thread.updated", CHANNEL, READERS,
         "{root_id, channel_id, reply_count, last_reply_at, last_reply_id}", True),
    Kind("reaction.created", CHANNEL, READERS, "the reaction, channel_id, count", True, "reaction:new"),
    Kind("reaction.deleted", CHANNEL, READERS,
         "{post_id, channel_id, emoji, author_id, author_type, count}", True, "reaction:removed"),
    Kind("notification.created", IDENTITY, RECIPIENT, "the notification", False, "notification:new"),
    Kind("notification.read", IDENTITY, RECIPIENT, "{ids, unread_count}", False),
    Kind("task.created", ORG, READERS, "the task", True, "task:new"),
    Kind("task.updated", ORG, READERS, "the task", True, "task:updated"),
    Kind("task.claimed", ORG, READERS, "the task", True, "task:updated"),
    Kind("task.released", ORG, READERS, "the task, previous_assignee", True, "task:updated"),
    Kind("task.expired", ORG, READERS, "the task, previous_assignee", True, "task:updated"),
    Kind("task.deleted", ORG, READERS, "the task as it was", True),
    Kind("insight.created", ORG, ANYONE, "the insight", False, "insight:new"),
)

EVENTS = {kind.name: kind for kind in KINDS}


@dataclass(frozen=True)
class Event:
    org_id: str
    seq: int
    type: str
    audience: str  # ORG, CHANNEL, MEMBERS or IDENTITY
    channel_id: str | None
    data: dict
    timestamp: str
    # Ids allowed to hear it, read in the same transaction (never sent): the members of a
    # MEMBERS event's channel, or of a private channel for a CHANNEL event; None: no filter.
    members: frozenset | None = None
    recipient_id: str | None = None  # the one identity an IDENTITY event is for (never sent)

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
        return cls(row["org_id"], row["seq"], row["type"], row["audience"], row["channel_id"], data, row["timestamp"],
                   recipient_id=row.get("recipient_id"))


@dataclass(frozen=True)
class Draft:
    """An event before the log gives it a seq and a timestamp. members_only: the log reads
    the channel's members, in the write transaction, as the audience filter."""

    org_id: str
    type: str
    audience: str
    channel_id: str | None
    data: dict
    members_only: bool = False
    recipient_id: str | None = None


def is_private(channel_type):
    """Private includes DM (SPEC §6.1): every rule about private channels holds for `dm` ones
    too, owners and admins included. The one test of a channel type's privacy."""
    return channel_type != "public"


def draft(name, org_id, data, channel_id=None, private=False, recipient_id=None):
    """The Draft of event `name` (a name of the table; any other is a bug: KeyError). In a
    private or DM channel an org-wide event narrows to the channel's members and a channel
    event to those subscribers still members, since a subscription is checked when it is made
    and a member may leave afterwards."""
    kind = EVENTS[name]
    if (kind.audience == IDENTITY) != (recipient_id is not None):
        raise ValueError(f"{name}: an identity event needs a recipient, and only it")
    audience = kind.audience
    if private and kind.seen_by == READERS and audience == ORG:
        audience = MEMBERS
    return Draft(org_id, name, audience, channel_id, data, private and kind.seen_by == READERS, recipient_id)


def post_event(name, post, private):
    """post.created / post.updated / post.deleted, to the channel's subscribers."""
    return draft(name, post["org_id"], post, post["channel_id"], private)


def agent_event(name, agent):
    """agent.created / online / offline / updated / deleted, to the whole organization."""
    return draft(name, agent["org_id"], agent)


def channel_event(name, channel):
    """channel.created / updated: the org hears of public channels, members of private ones."""
    return draft(name, channel["org_id"], channel, channel["id"], is_private(channel["type"]))


def to_wire(event):
    """The event as the broker carries it between processes, members included."""
    body = asdict(event)
    body["members"] = sorted(event.members) if event.members is not None else None
    return json.dumps(body, separators=(",", ":"))


def from_wire(text):
    body = json.loads(text)
    members = body.pop("members")
    return Event(**body, members=frozenset(members) if members is not None else None)
