"""The Hub: what every request of one running server needs (config, storage, tokens,
password hashing, the registry and the broker), the one path by which a write's events reach
subscribers (after its commit), the one path that revokes an agent, and shutdown. Handlers
reach it as `self.hub` (Application settings["hub"]). Work nobody awaits is spawned here,
so that shutdown can wait for it.
Presence and the periodic upkeep live in upkeep.py, started by start()."""

import asyncio
import logging

from .auth import Tokens
from .errors import Unavailable
from .last_active import LastActive
from .models import is_postgres_url, open_database, signing_secret
from .pagecache import PageCache
from .passwords import Passwords
from .realtime import Close, Registry
from .services import stream
from .storage import Storage
from .upkeep import Upkeep
from .webhooks.dispatcher import Dispatcher
from .ws.fanout import deliver_group

log = logging.getLogger("agenthq")

PUBLIC_CHANNELS_KEPT = 100_000


class Hub:
    def __init__(self, config):
        self.config = config
        db = open_database(config.db)
        with db.connection_context():
            secret = signing_secret(config.jwt_secret)
        self.storage = Storage(
            db, config.db_readers, config.search_threads, config.search_queue, config.search_timeout
        )
        # Sign-up and sign-in hash on their own threads, never the readers (agenthq/passwords.py).
        self.passwords = Passwords(config.password_cost, config.password_threads, config.password_queue)
        # API keys are cached only where every rotation passes through this process: with
        # other processes on the database, one of them may rotate a key.
        shared = bool(config.redis) or is_postgres_url(config.db)
        self.tokens = Tokens(secret, config.access_token_ttl, config.refresh_token_ttl, cache_keys=not shared)
        # Its deliveries to sockets go through the sessions' fast path (one write per socket).
        self.registry = Registry(deliver=deliver_group)
        # Channels' first pages and post counts in memory, only where every write of the
        # database passes through this process's publish() (agenthq/pagecache.py).
        self.pages = None if shared else PageCache()
        # With Redis, events go through the broker to every process (this one included);
        # without, straight to this process's registry. Both have publish(event).
        self.cluster = None
        if config.redis:  # imported only then: a hub without Redis needs no redis package
            from .cluster import Cluster

            self.cluster = Cluster(config, self.registry, self.read, self._cluster_lost, self._order)
        self.broker = self.cluster.broker if self.cluster else self.registry
        self.upkeep = Upkeep(self)
        self.in_flight = 0  # REST requests being served; shutdown waits for them
        self.last_active = LastActive()
        # Sockets not yet authenticated are in no registry index, yet shutdown must close them too.
        self.authenticating = set()
        self.closing = False
        self._tasks = set()  # spawned work, awaited by shutdown
        self._public_channels = set()  # (org_id, channel id) of public channels (subscribable)
        # Outgoing webhooks follow the event log off the request path (agenthq/webhooks/).
        self.webhooks = Dispatcher(self)

    async def read(self, fn, *args):
        return await self.storage.read(fn, *args)

    async def write(self, fn, *args):
        """Run a service write; publish its events once it has committed. The single writer
        thread finishes writes in seq order and each caller publishes as soon as it resumes,
        so subscribers see an organization's events in seq order."""
        if self.cluster and not self.cluster.available:
            # Its events could not reach the other processes' sockets now: refuse before
            # writing, so that a retry cannot duplicate (docs/scale-out.md).
            raise Unavailable("Event delivery is unavailable right now; try again later")
        result, events = await self.storage.write(fn, *args)
        for event in events:
            self.publish(event)
        if events:
            self.webhooks.nudge()
        return result

    def publish(self, event):
        """A committed event to every subscriber (on every process, with Redis)."""
        if self.pages is not None:
            self.pages.saw(event)
        self.broker.publish(event)

    async def authenticate(self, token):
        """An agent key resolved in the last seconds needs no database read (auth.IdentityCache);
        a reconnecting fleet of agents opens its sockets with keys the hub has just seen."""
        return self.tokens.cache.get(token) or await self.storage.read(self.tokens.authenticate, token)

    async def subscribable(self, identity, channel):
        """The id of the channel `channel` (an id or a name) if the identity may subscribe to it
        (stream.subscribable). A public channel stays public and is never deleted, so once read
        its id is remembered: a storm of sockets subscribing to #general costs one read."""
        key = (identity.org_id, channel)
        if key in self._public_channels:
            return channel
        channel_id, public = await self.storage.read(stream.subscribable, identity, channel)
        if public:
            if len(self._public_channels) >= PUBLIC_CHANNELS_KEPT:
                self._public_channels.clear()  # crude, but bounded; a miss costs one read
            self._public_channels.add((identity.org_id, channel_id))
        return channel_id

    async def newest_seq(self, identity):
        """The organization's newest seq, as a socket's `connected` frame gives it. Alone, this
        process publishes every event it commits, in order, so the registry knows it without a
        read; with Redis other processes commit too, so it is read from the log, and the broker
        hands on the organization's events after it (a socket's seq is where its stream starts)."""
        if self.cluster is None:
            known = self.registry.newest_seq(identity.org_id)
            if known is not None:
                return known
        seq = await self.storage.read(stream.newest_seq, identity)
        if self.cluster is None:
            self.registry.seed(identity.org_id, seq)
        else:
            self.cluster.broker.joined(identity.org_id, seq)
        return seq

    def revoke_agent(self, agent_id, reason, everywhere=True):
        """After a delete or a key rotation commits: the old key stops working at once and
        every socket of the agent closes (4003), here and, with everywhere, on every other
        process too (which run this same method on the order, with everywhere=False)."""
        self.tokens.cache.forget(agent_id)
        for connection in self.registry.connections_of_agent(agent_id):
            connection.close(Close.REVOKED, reason)
        if everywhere and self.cluster:
            self.cluster.broker.publish_control({"revoke": agent_id, "reason": reason})

    def spawn(self, coroutine, what):
        """Run work nobody awaits (presence after a socket closed, a backfill); log its
        failure once. Shutdown waits for it."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finished(done, what))

    def _finished(self, task, what):
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Storage or Redis down is reported where it is noticed; here it is one more
            # casualty, put right by the upkeep round once they are back.
            level = logging.INFO if isinstance(task.exception(), Unavailable) else logging.ERROR
            log.log(level, "background %s failed: %r", what, task.exception())

    def _order(self, message):
        """An order from another process, through Redis."""
        agent_id = message.get("revoke")
        if isinstance(agent_id, str):
            self.revoke_agent(agent_id, str(message.get("reason") or "revoked"), everywhere=False)

    def _cluster_lost(self):
        """Redis went away: events published meanwhile would pass these sockets unheard, so
        close them with 1013 (try again later); clients resume with `since` from the log."""
        for connection in [*self.authenticating, *self.registry.all_connections()]:
            connection.close(Close.TRY_AGAIN, "event delivery interrupted: reconnect and resume with since")

    async def start(self):
        """Connect to Redis (scale-out mode), then start the upkeep round. A hub that is
        never started serves requests all the same, without upkeep."""
        if self.cluster:
            await self.cluster.start()
        self.upkeep.start()
        self.webhooks.start()

    async def shutdown(self, drain_seconds):
        """Close every socket with 1001 (after what is queued is flushed) and give requests
        in flight, closing sockets and background writes up to drain_seconds to finish."""
        self.closing = True
        self.upkeep.stop()
        await self.webhooks.stop()
        for connection in [*self.authenticating, *self.registry.all_connections()]:
            connection.close(Close.GOING_AWAY, "server shutting down")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + drain_seconds
        while (self.in_flight > 0 or self.registry.all_connections()) and loop.time() < deadline:
            await asyncio.sleep(0.02)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=max(0.1, deadline - loop.time()))

    async def stop(self):
        if self.cluster:
            await self.cluster.close()

    def close(self):
        self.upkeep.stop()
        self.webhooks.close()
        self.storage.close()
        self.passwords.close()
