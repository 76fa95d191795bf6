"""The registry of live connections, indexed by organization, by channel and by identity, so a
publish touches only its recipients. A connection is any object with .identity,
.deliver(event, message) and .close(code, reason); nothing here knows Tornado or the database.
Deliveries go out in slices of SLICE per event-loop turn (see publish), so that one big
fan-out (an @channel to 1,000 members, a post to 5,000 subscribers) cannot hold the loop."""

import asyncio
import struct
from collections import defaultdict, deque

from .events import CHANNEL, IDENTITY, MEMBERS, ORG


class Close:
    """Every WebSocket close code the hub uses (spec section 4, docs/realtime.md), in one
    table for all the code that closes sockets."""

    GOING_AWAY = 1001  # server shutting down
    INTERNAL = 1011  # unexpected error on this connection
    TRY_AGAIN = 1013  # database or Redis away: reconnect and resume with `since`
    UNAUTHORIZED = 4001
    IDLE = 4002
    REVOKED = 4003  # agent deleted or key rotated
    SLOW = 4008  # outbound buffer past its cap
    RATE = 4029  # kept flooding past the rate limit


def text_frame(payload):
    """An unmasked, uncompressed, unfragmented WebSocket text frame (RFC 6455), as a server
    sends it."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x81, length)
    elif length <= 0xFFFF:
        header = struct.pack("!BBH", 0x81, 126, length)
    else:
        header = struct.pack("!BBQ", 0x81, 127, length)
    return header + payload


# An empty ping, as a server sends it (unmasked): clients answer with a pong (spec 6.3).
PING_FRAME = b"\x89\x00"


class Message:
    """One event on its way out: its JSON text and its WebSocket frame, each made once per
    publish however many connections receive it."""

    __slots__ = ("text", "frame")

    def __init__(self, text):
        self.text = text
        # Made at once: a plain attribute read per recipient, where a lazy property costs a call.
        self.frame = text_frame(text.encode())

    def __len__(self):
        return len(self.text)


# Deliveries per event-loop turn before the rest of a publish waits for the next turn: a few
# milliseconds of socket writes, after which requests and other sockets get their turn.
SLICE = 500
ENCODE_COST = 5  # serializing and framing one event, counted in deliveries


class Registry:
    def __init__(self):
        self._by_org = defaultdict(set)
        self._by_channel = defaultdict(set)
        # (org_id, identity id) -> connections: identity events (notifications) and revocation
        # find their few sockets without scanning the organization's.
        self._by_identity = defaultdict(set)
        self._by_agent = defaultdict(set)  # agent id -> connections (revocation)
        self._channels_of = {}  # connection -> tuple of channel ids
        self._newest = {}  # org_id -> highest seq published here (see newest_seq)
        # [event, message, recipients, next index] waiting for a later loop turn, in order.
        self._backlog = deque()
        self._spent = 0  # deliveries made in this loop turn
        self._turn_scheduled = False

    def register(self, connection):
        identity = connection.identity
        self._by_org[identity.org_id].add(connection)
        self._by_identity[(identity.org_id, identity.id)].add(connection)
        if identity.is_agent:
            self._by_agent[identity.id].add(connection)

    def unregister(self, connection):
        identity = connection.identity
        for channel_id in self._channels_of.pop(connection, ()):
            self._discard(self._by_channel, channel_id, connection)
        self._discard(self._by_org, identity.org_id, connection)
        self._discard(self._by_identity, (identity.org_id, identity.id), connection)
        if identity.is_agent:
            self._discard(self._by_agent, identity.id, connection)

    def subscribe(self, connection, channel_id):
        self._by_channel[channel_id].add(connection)
        # A tuple per socket, not a set: most sockets hold one or a few channels, and a set
        # costs 216 bytes even for one (10,000 idle sockets).
        held = self._channels_of.get(connection, ())
        if channel_id not in held:
            # Past a few, a set: membership is checked per delivery in a deferred slice.
            self._channels_of[connection] = (*held, channel_id) if len(held) < 8 else {*held, channel_id}

    def unsubscribe(self, connection, channel_id):
        self._discard(self._by_channel, channel_id, connection)
        held = self._channels_of.get(connection)
        if held is not None and channel_id in held:
            if isinstance(held, set):
                held.discard(channel_id)
            else:
                self._channels_of[connection] = tuple(c for c in held if c != channel_id)

    def subscriptions(self, connection):
        """The channel ids the connection is subscribed to (a tuple, or a set past 8)."""
        return self._channels_of.get(connection, ())

    def connections_of_agent(self, agent_id):
        return list(self._by_agent.get(agent_id, ()))

    def connections_of_org(self, org_id):
        return list(self._by_org.get(org_id, ()))

    def all_connections(self):
        return [connection for connections in self._by_org.values() for connection in connections]

    def recipients(self, event):
        if event.audience == CHANNEL:
            subscribers = self._by_channel.get(event.channel_id, ())
            if event.members is None:
                return subscribers
            return [c for c in subscribers if c.identity.id in event.members]
        if event.audience == IDENTITY:
            return self._by_identity.get((event.org_id, event.recipient_id), ())
        connections = self._by_org.get(event.org_id, ())
        if event.audience == ORG:
            return connections
        if event.audience == MEMBERS:
            members = event.members or ()
            if len(members) < len(connections):
                by_identity, org = self._by_identity, event.org_id
                return [c for member in members for c in by_identity.get((org, member), ())]
            return [c for c in connections if c.identity.id in members]
        return ()

    def newest_seq(self, org_id):
        """The highest seq of the organization published here since start (None: none yet).
        Every event this process commits is published here in seq order right after its
        commit, so it is the log's newest but for commits still on their way to publish."""
        return self._newest.get(org_id)

    def seed(self, org_id, seq):
        """The log's newest seq, read from the database while nothing was published here yet."""
        if seq > self._newest.get(org_id, 0):
            self._newest[org_id] = seq

    def publish(self, event):
        """Serialize and frame once, hand the same bytes to every recipient. Returns the number
        of recipients; past SLICE deliveries in this loop turn the rest go out in later turns,
        behind any earlier publish still going out, so each socket still gets events in order."""
        if event.seq > self._newest.get(event.org_id, 0):
            self._newest[event.org_id] = event.seq
        recipients = self.recipients(event)
        if not recipients:
            return 0
        targets = list(recipients)  # a snapshot: delivering may close sockets and change the sets
        if self._backlog:
            # Framed when its turn comes: an @channel's 1,000 notifications are serialized in
            # slices too, not all in the turn that published them.
            self._backlog.append([event, None, targets, 0])
            return len(targets)
        message = Message(event.encode())
        budget = self._budget()
        if len(targets) <= budget:
            for connection in targets:
                connection.deliver(event, message)
            self._spent += len(targets) + ENCODE_COST
            return len(targets)
        for connection in targets[:budget]:
            connection.deliver(event, message)
        self._spent += budget
        self._backlog.append([event, message, targets, budget])
        return len(targets)

    def _budget(self):
        """Deliveries left in this loop turn; unlimited with no running loop (plain calls)."""
        if not self._turn_scheduled:
            try:
                asyncio.get_running_loop().call_soon(self._next_turn)
            except RuntimeError:
                return 1 << 62
            self._turn_scheduled = True
            self._spent = 0
        return max(0, SLICE - self._spent)

    def _next_turn(self):
        self._turn_scheduled = False
        self._spent = 0
        backlog = self._backlog
        if not backlog:
            return
        budget = self._budget()
        while backlog and budget > 0:
            item = backlog[0]
            event, message, targets, start = item
            if message is None:
                message = item[1] = Message(event.encode())
                budget -= ENCODE_COST
                self._spent += ENCODE_COST
            end = min(len(targets), start + max(0, budget))
            # Later than the publish: a socket may have left the channel meanwhile (after its
            # `unsubscribed` frame nothing more of that channel may reach it).
            channel = event.channel_id if event.audience == CHANNEL else None
            channels_of = self._channels_of
            for connection in targets[start:end]:
                if channel is None or channel in channels_of.get(connection, ()):
                    connection.deliver(event, message)
            budget -= end - start
            self._spent += end - start
            if end == len(targets):
                backlog.popleft()
            else:
                item[3] = end

    @staticmethod
    def _discard(index, key, connection):
        connections = index.get(key)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del index[key]
