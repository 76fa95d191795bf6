"""The registry of live connections, indexed by organization, by channel and by agent, so a
publish touches only its recipients. A connection is any object with .identity,
.deliver(event, message) and .close(code, reason); nothing here knows Tornado or the database."""

import struct
from collections import defaultdict

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


class Message:
    """One event on its way out: its JSON text and its WebSocket frame, each made once per
    publish however many connections receive it."""

    __slots__ = ("text", "_frame")

    def __init__(self, text):
        self.text = text
        self._frame = None

    @property
    def frame(self):
        if self._frame is None:
            self._frame = text_frame(self.text.encode())
        return self._frame

    def __len__(self):
        return len(self.text)


class Registry:
    def __init__(self):
        self._by_org = defaultdict(set)
        self._by_channel = defaultdict(set)
        self._by_agent = defaultdict(set)
        self._channels_of = defaultdict(set)

    def register(self, connection):
        identity = connection.identity
        self._by_org[identity.org_id].add(connection)
        if identity.is_agent:
            self._by_agent[identity.id].add(connection)

    def unregister(self, connection):
        identity = connection.identity
        for channel_id in self._channels_of.pop(connection, ()):
            self._discard(self._by_channel, channel_id, connection)
        self._discard(self._by_org, identity.org_id, connection)
        if identity.is_agent:
            self._discard(self._by_agent, identity.id, connection)

    def subscribe(self, connection, channel_id):
        self._by_channel[channel_id].add(connection)
        self._channels_of[connection].add(channel_id)

    def unsubscribe(self, connection, channel_id):
        self._discard(self._by_channel, channel_id, connection)
        self._channels_of[connection].discard(channel_id)

    def subscriptions(self, connection):
        return self._channels_of.get(connection, set())

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
        connections = self._by_org.get(event.org_id, ())
        if event.audience == ORG:
            return connections
        if event.audience == MEMBERS:
            return [c for c in connections if c.identity.id in (event.members or ())]
        if event.audience == IDENTITY:
            return [c for c in connections if c.identity.id == event.recipient_id]
        return ()

    def publish(self, event):
        """Serialize and frame once, hand the same bytes to every recipient."""
        recipients = self.recipients(event)
        if not recipients:
            return 0
        message = Message(event.encode())
        for connection in list(recipients):
            connection.deliver(event, message)
        return len(recipients)

    @staticmethod
    def _discard(index, key, connection):
        connections = index.get(key)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del index[key]
