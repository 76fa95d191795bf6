"""The Hub: the shared objects of one running server (config, storage, tokens, registry)
and the one path by which a write's events reach subscribers: after its commit."""

import asyncio
import logging
import time

from redis.exceptions import RedisError

from . import eventlog
from .clock import iso_ago

from .auth import Tokens
from .cluster import Cluster
from .errors import Unavailable
from .last_active import LastActive
from .models import is_postgres_url, open_database, signing_secret
from .passwords import Passwords
from .realtime import Close, Registry
from .services import presence, webhooks as webhook_service
from .storage import Storage
from .webhooks.dispatcher import Dispatcher

log = logging.getLogger("agenthq")



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
        self.registry = Registry()
        # With Redis, events go through the broker to every process (this one included);
        # without, straight to this process's registry. Both have publish(event).
        self.cluster = Cluster(config, self.registry, self.read, self._cluster_lost, self._control) if config.redis else None
        self.broker = self.cluster.broker if self.cluster else self.registry
        self.in_flight = 0  # REST requests being served; shutdown waits for them
        self.last_active = LastActive()
        # Sockets not yet authenticated are in no registry index, yet shutdown must close them too.
        self.authenticating = set()
        self.closing = False
        self._maintenance = None
        self._tasks = set()
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
            self.broker.publish(event)
        return result

    async def start(self):
        """Connect to Redis (scale-out mode) before serving; nothing to do otherwise."""
        if self.cluster:
            await self.cluster.start()

    async def stop(self):
        if self.cluster:
            await self.cluster.close()

    def _cluster_lost(self):
        """Redis went away: events published meanwhile would pass these sockets unheard, so
        close them with 1013 (try again later); clients resume with `since` from the log."""
        for connection in [*self.authenticating, *self.registry.all_connections()]:
            connection.close(Close.TRY_AGAIN, "event delivery interrupted: reconnect and resume with since")

    async def agent_connected(self, agent_id):
        if self.cluster:
            try:
                await self.cluster.presence.connected([agent_id])
            except RedisError as error:  # the next upkeep round records it
                log.warning("could not record agent presence in Redis: %s", error)
        await self.write(presence.connected, agent_id)

    async def agent_left(self, agent_id):
        """The agent's last socket on this process closed: offline, unless a socket on
        another process holds it online."""
        if self.cluster:
            try:
                if await self.cluster.presence.disconnected(agent_id):
                    return
            except RedisError as error:  # then the write below is refused too (Redis is away)
                log.warning("could not read agent presence from Redis: %s", error)
        await self.write(presence.disconnected, agent_id)

    async def authenticate(self, token):
        return await self.storage.read(self.tokens.authenticate, token)

    def close(self):
        if self._maintenance:
            self._maintenance.cancel()
        self.webhooks.close()
        self.passwords.close()
        self.storage.close()

    def disconnect_agent(self, agent_id, reason):
        """A deleted agent or a rotated key must not keep a live socket (spec: close 4003)."""
        for connection in self.registry.connections_of_agent(agent_id):
            connection.close(Close.REVOKED, reason)
        if self.cluster:  # and on every other process (see _control)
            self.cluster.broker.publish_control({"revoke": agent_id, "reason": reason})

    def _control(self, message):
        """An order from another process (through Redis): a key rotated or an agent deleted
        there must not keep a socket here either."""
        agent_id = message.get("revoke")
        if agent_id:
            self.tokens.cache.forget(agent_id)
            for connection in self.registry.connections_of_agent(agent_id):
                connection.close(Close.REVOKED, message.get("reason") or "revoked")

    def spawn(self, coroutine, what):
        """Run a write nobody awaits (e.g. presence after a socket closed); log its failure once."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finished(done, what))

    def _finished(self, task, what):
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # Storage or Redis down is reported where it is noticed; here it is one more
            # casualty, put right by the sweep once they are back.
            level = logging.INFO if isinstance(task.exception(), Unavailable) else logging.ERROR
            log.log(level, "background %s failed: %r", what, task.exception())

    def ensure_started(self):
        """Start the periodic upkeep on the running loop the first time the hub serves."""
        if self._maintenance is None:
            self._maintenance = asyncio.ensure_future(self._maintain())
            self.webhooks.start()

    async def _maintain(self):
        config = self.config
        interval = max(0.05, min(config.heartbeat_interval / 2, config.presence_timeout / 3, 10))
        next_prune = 0.0
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(interval)
            try:
                self._close_idle(2 * config.heartbeat_interval)
                connected = [c.identity.id for c in self.registry.all_connections() if c.identity.is_agent]
                if self.cluster:
                    if not self.cluster.available:
                        continue  # writes are refused until Redis is back; nothing to keep up
                    connected = await self._cluster_upkeep(connected)
                await self.write(presence.sweep, config.presence_timeout, connected)
                if loop.time() >= next_prune:
                    next_prune = loop.time() + min(600, config.event_retention / 4)
                    await self.write(_prune, config.event_retention)
                    await self.write(webhook_service.prune_deliveries)
            except Exception:  # keep upkeep alive whatever one round hit; it is logged once
                log.exception("hub upkeep failed")

    async def _cluster_upkeep(self, local):
        """Renew this process's presence entries, put right agents a race took offline, read
        events whose publish was lost from the log; return the agents connected anywhere."""
        local = sorted(set(local))
        await self.cluster.presence.connected(local)
        if local:
            await self.write(presence.reassert, local)
        await self.cluster.broker.check_tail()
        quiet = await self.read(presence.quiet, self.config.presence_timeout)
        return [*local, *await self.cluster.presence.connected_anywhere(quiet)]

    def _close_idle(self, silence):
        cutoff = time.monotonic() - silence
        for connection in self.registry.all_connections():
            if connection.last_message_at < cutoff:
                connection.close(Close.IDLE, "idle: no message for two heartbeat intervals")

    async def shutdown(self, drain_seconds):
        """Close every socket with 1001 (after what is queued is flushed) and give requests
        in flight and closing sockets up to drain_seconds to finish."""
        self.closing = True
        if self._maintenance:
            self._maintenance.cancel()
        await self.webhooks.stop()
        for connection in [*self.authenticating, *self.registry.all_connections()]:
            connection.close(Close.GOING_AWAY, "server shutting down")
        deadline = asyncio.get_running_loop().time() + drain_seconds
        while (self.in_flight > 0 or self.registry.all_connections()) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=max(0.1, deadline - asyncio.get_running_loop().time()))


def _prune(retention_seconds):
    return eventlog.prune(iso_ago(retention_seconds)), []
