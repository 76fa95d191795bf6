"""The registry of live connections, indexed by organization, by channel and by identity, so a
publish touches only its recipients. A connection is any object with .identity,
.deliver(event, message) and .close(code, reason); nothing here knows Tornado or the database.
Deliveries go out in slices of SLICE sockets per event-loop turn (see publish), so that one big
fan-out (an @channel to 1,000 members, a post to 5,000 subscribers) cannot hold the loop; the
events of a channel (or to a whole organization) waiting meanwhile go out together, one write
per socket (Batch)."""

import asyncio
from collections import defaultdict, deque

from .batches import GROUP_BYTES, GROUP_EVENTS, Batch, deliver_each
from .events import CHANNEL, IDENTITY, MEMBERS, ORG
from .frames import PING_FRAME, Message, text_frame  # noqa: F401 (the hub imports them from here)


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


# Sockets written per event-loop turn before the rest of a publish waits for the next turn: a
# few milliseconds of socket writes, after which requests and other sockets get their turn.
SLICE = 500
ENCODE_COST = 5  # serializing and framing one event, counted in socket writes


class Registry:
    def __init__(self, deliver=deliver_each):
        # deliver(connections, events, messages, joined): the events, in order, to each of
        # the connections; `joined` is their frames as one bytes.
        self._deliver = deliver
        self.slice = SLICE  # socket writes per loop turn (tests lower it to make batches)
        self._by_org = defaultdict(set)
        self._by_channel = defaultdict(set)
        # (org_id, identity id) -> connections: identity events (notifications) and revocation
        # find their few sockets without scanning the organization's.
        self._by_identity = defaultdict(set)
        self._by_agent = defaultdict(set)  # agent id -> connections (revocation)
        self._channels_of = {}  # connection -> tuple of channel ids
        self._newest = {}  # org_id -> highest seq published here (see newest_seq)
        # Batches waiting for a later loop turn, in order.
        self._backlog = deque()
        # channel id or (ORG, org id) -> a stamp changed whenever its subscribers or sockets
        # change (self._tick counts them): a batch whose stamp still holds has them as targets.
        self._epoch = {}
        self._tick = 0
        self._spent = 0  # socket writes made in this loop turn
        self._turn_scheduled = False

    def register(self, connection):
        identity = connection.identity
        self._changed((ORG, identity.org_id))
        self._by_org[identity.org_id].add(connection)
        self._by_identity[(identity.org_id, identity.id)].add(connection)
        if identity.is_agent:
            self._by_agent[identity.id].add(connection)

    def unregister(self, connection):
        identity = connection.identity
        for channel_id in self._channels_of.pop(connection, ()):
            self._left(connection, channel_id)
        self._changed((ORG, identity.org_id))
        self._discard(self._by_org, identity.org_id, connection)
        if identity.org_id not in self._by_org:
            del self._epoch[(ORG, identity.org_id)]
        self._discard(self._by_identity, (identity.org_id, identity.id), connection)
        if identity.is_agent:
            self._discard(self._by_agent, identity.id, connection)

    def subscribe(self, connection, channel_id):
        self._changed(channel_id)
        self._by_channel[channel_id].add(connection)
        # A tuple per socket, not a set: most sockets hold one or a few channels, and a set
        # costs 216 bytes even for one (10,000 idle sockets).
        held = self._channels_of.get(connection, ())
        if channel_id not in held:
            # Past a few, a set: membership is checked per delivery in a deferred slice.
            self._channels_of[connection] = (*held, channel_id) if len(held) < 8 else {*held, channel_id}

    def unsubscribe(self, connection, channel_id):
        self._left(connection, channel_id)
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

    def has_connections_in(self, org_id):
        """Without copying the set: the broker asks this for every event it hears."""
        return bool(self._by_org.get(org_id))

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
        of recipients; past SLICE socket writes in this loop turn the rest go out in later turns,
        behind any earlier publish still going out, so each socket still gets events in order."""
        if event.seq > self._newest.get(event.org_id, 0):
            self._newest[event.org_id] = event.seq
        recipients = self.recipients(event)
        if not recipients:
            return 0
        # A channel's own subscriber set (not a members-only subset) or an organization's
        # sockets: its stamp tells whether a later event has the very same recipients.
        if event.audience == CHANNEL:
            key = event.channel_id if event.members is None else None
        else:
            key = (ORG, event.org_id) if event.audience == ORG else None
        backlog = self._backlog
        if backlog:
            tail = backlog[-1]
            if (key is not None and tail.key == key and tail.start == 0
                    and tail.epoch == self._epoch.get(key) and len(tail.events) < GROUP_EVENTS
                    and tail.size < GROUP_BYTES):
                tail.join(event)  # same sockets, none written yet: one write each for both
                return len(tail.targets)
            # Framed when its turn comes: an @channel's 1,000 notifications are serialized in
            # slices too, not all in the turn that published them.
            targets = list(recipients)  # a snapshot: delivering may close sockets and change the sets
            backlog.append(Batch(event, targets, key, self._epoch.get(key)))
            return len(targets)
        message = Message(event.encode())
        budget = self._budget()
        targets = list(recipients)
        if len(targets) <= budget:
            self._deliver(targets, [event], [message], message.frame)
            self._spent += len(targets) + ENCODE_COST
            return len(targets)
        self._deliver(targets[:budget], [event], [message], message.frame)
        self._spent += budget
        backlog.append(Batch(event, targets, key, self._epoch.get(key), message, budget))
        return len(targets)

    def _budget(self):
        """Socket writes left in this loop turn; unlimited with no running loop (plain calls)."""
        if not self._turn_scheduled:
            try:
                asyncio.get_running_loop().call_soon(self._next_turn)
            except RuntimeError:
                return 1 << 62
            self._turn_scheduled = True
            self._spent = 0
        return max(0, self.slice - self._spent)

    def _next_turn(self):
        self._turn_scheduled = False
        self._spent = 0
        backlog = self._backlog
        if not backlog:
            return
        budget = self._budget()
        while backlog and budget > 0:
            batch = backlog[0]
            if batch.joined is None:
                cost = batch.frame() * ENCODE_COST
                budget -= cost
                self._spent += cost
            targets, start = batch.targets, batch.start
            end = min(len(targets), start + max(0, budget))
            chunk = targets[start:end]
            first = batch.events[0]
            channel = first.channel_id if first.audience == CHANNEL else None
            if channel is not None and (batch.key is None or batch.epoch != self._epoch.get(batch.key)):
                # Later than the publish: a socket may have left the channel meanwhile (after
                # its `unsubscribed` frame nothing more of that channel may reach it).
                channels_of = self._channels_of
                chunk = [c for c in chunk if channel in channels_of.get(c, ())]
            if chunk:
                self._deliver(chunk, batch.events, batch.messages, batch.joined)
            budget -= end - start
            self._spent += end - start
            if end == len(targets):
                backlog.popleft()
            else:
                batch.start = end

    def pending(self):
        """Batches of deliveries waiting for a later loop turn."""
        return len(self._backlog)

    def _changed(self, key):
        self._tick += 1
        self._epoch[key] = self._tick

    def _left(self, connection, channel_id):
        self._changed(channel_id)
        self._discard(self._by_channel, channel_id, connection)
        if channel_id not in self._by_channel:
            del self._epoch[channel_id]  # a fresh stamp if it is subscribed again

    @staticmethod
    def _discard(index, key, connection):
        connections = index.get(key)
        if connections is not None:
            connections.discard(connection)
            if not connections:
                del index[key]
