"""The event stream a socket reads: where it starts, whether a resume is possible, and the
logged events to replay. Read-only; the events themselves are written by the other services."""

from .. import eventlog
from ..models import ChannelMember
from .common import access_channel

REPLAY_BATCH = 1000


def newest_seq(identity):
    return eventlog.newest_seq(identity.org_id)


def can_resume(identity, since):
    """False when events after `since` were pruned, or `since` is from another timeline
    (newer than anything logged here): the client must reload instead."""
    return eventlog.resume_floor(identity.org_id) <= since <= eventlog.newest_seq(identity.org_id)


def subscribable(identity, channel_id):
    """(channel id, public?) if the caller may subscribe: the same rule as reading it over REST.
    A channel's type never changes, so a public one stays readable by its whole organization."""
    channel = access_channel(identity, channel_id)
    return channel.id, channel.type == "public"


def org_replay(identity, since):
    memberships = ChannelMember.select(ChannelMember.channel_id).where(ChannelMember.member_id == identity.id)
    member_of = [row.channel_id for row in memberships]
    return eventlog.replay(identity.org_id, since, member_of=member_of, limit=REPLAY_BATCH,
                            recipient_id=identity.id)


def channel_replay(identity, channel_id, since):
    return eventlog.replay(identity.org_id, since, channel_id=channel_id, limit=REPLAY_BATCH)


def replay_checked(identity, since, channel_id=None):
    """(the next batch of events after `since`, still resumable?). The check comes after the
    read: pruning only moves the log's floor up, so a prune that ran before or during the read
    shows here, and a replay never silently skips what was pruned from under it."""
    batch = channel_replay(identity, channel_id, since) if channel_id else org_replay(identity, since)
    return batch, can_resume(identity, since)
