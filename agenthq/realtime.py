"""The registry of live connections, indexed by organization, by channel and by agent, so a
publish touches only its recipients. A connection is any object with .identity,
.deliver(event, text) and .close(code, reason); nothing here knows Tornado or the database."""

from collections import defaultdict

from .events import CHANNEL, MEMBERS, ORG


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
        return ()

    def publish(self, event):
        """Serialize once, hand the same text to every recipient."""
        recipients = self.recipients(event)
        if not recipients:
            return 0
        text = event.encode()
        for connection in list(recipients):
            connection.deliver(event, text)
        return len(recipients)

    @staticmethod
    def _discard(index, key, connection):
        connections = index.get(key)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del index[key]
