"""Presence and upkeep: what a hub process does besides answering requests. Sockets opening
and closing drive presence; a periodic round, started by Hub.start(), takes quiet agents
offline, closes idle sockets, prunes the event log and the webhook delivery log, and keeps
the cluster's shared state.
The presence rules themselves (what is online, when an event fires) are in
services/presence.py; this module decides when to apply them."""

import asyncio
import logging
import time

from . import eventlog, lease_sweep
from .clock import iso_ago
from .errors import Unavailable
from .realtime import Close
from .services import presence, webhooks as webhook_service

log = logging.getLogger("agenthq")

IDLE_INTERVALS = 3  # a socket with no inbound frame for this many heartbeat intervals is cut
PING_SLICE = 500  # sockets pinged per event-loop turn


class Upkeep:
    def __init__(self, hub):
        self.hub = hub
        self._round = None
        self._leases = None  # the task lease sweep: its own pace (agenthq/lease_sweep.py)
        # Agents whose sockets opened while the previous presence write was under way: written
        # together in the next one (see agent_connected).
        self._arrivals = None  # ({agent_id: None}, future)
        self._recording = False

    # -- presence, driven by sockets --------------------------------------------------------

    async def agent_connected(self, agent_id):
        """A socket of the agent is open here: it is online and its heartbeat is fresh.
        Connecting counts as a heartbeat, so an agent that drops and reconnects within the
        presence timeout emits nothing (docs/realtime.md, Presence)."""
        cluster = self.hub.cluster
        if cluster:
            try:
                await cluster.presence.connected([agent_id])
            except cluster.errors as error:  # the next round records it
                log.warning("could not record agent presence in Redis: %s", error)
        # One write per socket would queue a reconnecting fleet (10,000 sockets after a restart)
        # behind the single writer one by one: sockets that open while a presence write is
        # under way are written together in the next, one transaction, same rules and events.
        if self._arrivals is None:
            written = asyncio.get_running_loop().create_future()
            # Marked retrieved: if every socket waiting on it has closed, nobody awaits it.
            written.add_done_callback(lambda done: done.cancelled() or done.exception())
            self._arrivals = ({}, written)
        self._arrivals[0][agent_id] = None
        written = self._arrivals[1]
        if not self._recording:
            self._recording = True
            self.hub.spawn(self._record_arrivals(), "agent presence after sockets opened")
        await written

    async def _record_arrivals(self):
        try:
            while self._arrivals is not None:
                (agents, written), self._arrivals = self._arrivals, None
                try:
                    await self.hub.write(presence.connected_many, list(agents))
                except Exception as error:  # each waiting socket reports it, as its own write would
                    written.set_exception(error)
                else:
                    written.set_result(None)
        finally:
            self._recording = False

    def agent_left(self, agent_id):
        """A socket of the agent closed here. If it was its last one (on every process), the
        agent stays online while its heartbeat is fresh, and goes offline now otherwise."""
        # A shutdown is no goodbye from the agent: it reconnects to the restarted hub, and
        # a round there takes offline those that do not.
        if self.hub.closing or self.hub.registry.connections_of_agent(agent_id):
            return
        self.hub.spawn(self._left(agent_id), "agent presence after a socket closed")

    async def _left(self, agent_id):
        cluster = self.hub.cluster
        if cluster:
            try:
                if await cluster.presence.disconnected(agent_id):
                    return  # a socket on another process holds it online
            except cluster.errors as error:  # then the write below is refused too (Redis is away)
                log.warning("could not read agent presence from Redis: %s", error)
        await self.hub.write(presence.disconnected, agent_id, self.hub.config.presence_timeout)

    # -- the periodic round -----------------------------------------------------------------

    def start(self):
        if self._round is None:
            self._round = asyncio.ensure_future(self._run())
            self._leases = asyncio.ensure_future(lease_sweep.run(self.hub))
            self._pings = asyncio.ensure_future(self._ping_rounds())

    def stop(self):
        if self._round is not None:
            self._round.cancel()
            self._leases.cancel()
            self._pings.cancel()

    def interval(self):
        config = self.hub.config
        return max(0.05, min(config.heartbeat_interval / 2, config.presence_timeout / 3, 10))

    async def _run(self):
        config = self.hub.config
        loop = asyncio.get_running_loop()
        next_prune = 0.0
        while True:
            await asyncio.sleep(self.interval())
            try:
                self.close_idle(IDLE_INTERVALS * config.heartbeat_interval)
                await self.sweep()
                if loop.time() >= next_prune:
                    next_prune = loop.time() + min(600, config.event_retention / 4)
                    skipped = await self.hub.write(_prune, config.event_retention, config.webhook_backlog_max)
                    for webhook_id, cursor, floor in skipped:
                        log.warning("webhook %s skips events %d..%d: pruned past AGENTHQ_WEBHOOK_BACKLOG_MAX "
                                    "before it delivered them", webhook_id, cursor + 1, floor)
                    await self.hub.write(webhook_service.prune_deliveries)
            except Unavailable as error:  # reported where noticed; the next round retries
                log.info("hub upkeep skipped a round: %s", error)
            except Exception:  # keep upkeep alive whatever one round hit; it is logged once
                log.exception("hub upkeep failed")

    async def _ping_rounds(self):
        """Every heartbeat interval, a ping to every open socket (spec 6.3), in place of a
        ping task per socket; in slices, so that 10,000 sockets do not hold the loop."""
        while True:
            await asyncio.sleep(self.hub.config.heartbeat_interval)
            connections = [*self.hub.authenticating, *self.hub.registry.all_connections()]
            for start in range(0, len(connections), PING_SLICE):
                for connection in connections[start:start + PING_SLICE]:
                    connection.ping()
                await asyncio.sleep(0)

    def close_idle(self, silence):
        """§6.3: any inbound frame (a message, a ping, a pong) moves last_message_at; a socket
        silent for `silence` seconds is a dead peer or a client that forgot us."""
        cutoff = time.monotonic() - silence
        for connection in self.hub.registry.all_connections():
            if connection.last_message_at < cutoff:
                connection.close(Close.IDLE, "idle: no frame for three heartbeat intervals")

    async def sweep(self):
        """Take offline, once, the agents with neither a socket (here, or on any live process)
        nor a heartbeat within the presence timeout."""
        connected = {c.identity.id for c in self.hub.registry.all_connections() if c.identity.is_agent}
        if self.hub.cluster:
            if not self.hub.cluster.available:
                return  # writes are refused until Redis is back; nothing to keep up
            connected = await self._cluster_round(connected)
        await self.hub.write(presence.sweep, self.hub.config.presence_timeout, sorted(connected))

    async def _cluster_round(self, local):
        """Renew this process's presence entries, put right agents a race took offline, read
        events whose publish was lost from the log; return the agents connected anywhere."""
        cluster, local = self.hub.cluster, sorted(local)
        await cluster.presence.connected(local)
        if local:
            await self.hub.write(presence.reassert, local)
        await cluster.broker.check_tail()
        quiet = await self.hub.read(presence.quiet, self.hub.config.presence_timeout)
        return {*local, *await cluster.presence.connected_anywhere(quiet)}


def _prune(retention_seconds, backlog_seconds):
    """Prune the log, keeping what active webhooks still owe (within the backlog cap); then
    move the webhooks the cap left behind past the gap. Returns those skips."""
    eventlog.prune(iso_ago(retention_seconds), webhook_service.held_seqs(), iso_ago(backlog_seconds))
    return webhook_service.skip_pruned(), []
