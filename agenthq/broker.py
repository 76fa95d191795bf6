"""The Redis broker: an event committed by any hub process reaches the registry of every
process, once, in seq order per organization. Its door is the in-process Registry's
publish(event), so the hub publishes the same way with or without Redis.

Why the receivers put events in order: seqs of one organization are taken under a row lock
and committed one after another (models.fastpath.next_seq), so they have no holes, but two processes
publish after their commits and Redis may get seq 7 from one before seq 6 from another.
Each process therefore hands an organization's events to its registry in seq order. A
missing seq is, by the no-holes rule, already committed: after a short wait for its
message, the process reads it from the event log. Nothing is lost if a publish is (a
process died between commit and publish, Redis dropped it), and nothing jumps ahead."""

import asyncio
import json
import logging

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from . import events

log = logging.getLogger("agenthq")

TOPIC = "agenthq:events"
# Orders for every process rather than events for sockets: {"revoke": agent_id, "reason": ...}.
CONTROL = "agenthq:control"
GAP_WAIT = 0.05  # seconds to wait for a missing seq's message before reading it from the log


class Sequencer:
    """Per organization: the last seq handed on, and early events held until those before
    them are there. Pure bookkeeping; no I/O."""

    def __init__(self):
        self._last = {}  # org_id -> last seq handed on; absent: not started
        self._pending = {}  # org_id -> {seq: event}

    def arrive(self, event):
        """Events now ready, in order (maybe none: held, or already handed on)."""
        org = event.org_id
        last = self._last.get(org)
        if last is not None and event.seq <= last:
            return []  # read from the log meanwhile: already handed on
        self._pending.setdefault(org, {})[event.seq] = event
        return self._drain(org) if last is not None else []

    def start_at(self, org_id, seq):
        """A socket of the organization is current up to `seq` (its `connected` frame's): if
        the organization has not started here, start just after it. Starting at the lowest
        event heard instead would skip a committed event whose publish was lost (it is in
        the log, but behind the start, so no gap or tail check would read it)."""
        if self._last.get(org_id) is None:
            self._last[org_id] = seq
        return self._drain(org_id)

    def gap(self, org_id):
        """(after, upto): the seqs missing before the held events, or None."""
        pending = self._pending.get(org_id)
        last = self._last.get(org_id)
        if not pending or last is None:
            return None
        return last, min(pending) - 1

    def fill(self, org_id, found):
        """Events read from the log; returns those now ready, in order."""
        for event in found:
            if event.seq > self._last.get(org_id, event.seq):
                self._pending.setdefault(org_id, {})[event.seq] = event
        return self._drain(org_id)

    def skip_to(self, org_id, seq):
        """Hand on as if every seq up to `seq` had been (the log no longer has them)."""
        if self._last.get(org_id) is not None and seq > self._last[org_id]:
            self._last[org_id] = seq
        return self._drain(org_id)

    def last(self, org_id):
        return self._last.get(org_id)

    def started(self):
        return [org for org, last in self._last.items() if last is not None]

    def waiting(self):
        return [org for org, pending in self._pending.items() if pending]

    def forget(self, org_id):
        self._last.pop(org_id, None)
        self._pending.pop(org_id, None)

    def reset(self):
        self._last.clear()
        self._pending.clear()

    def _drain(self, org):
        pending = self._pending.get(org)
        ready = []
        last = self._last[org]
        while pending and last + 1 in pending:
            last += 1
            ready.append(pending.pop(last))
        # Anything at or below last in pending (a late message) is a duplicate: drop it.
        for seq in [seq for seq in pending or () if seq <= last]:
            del pending[seq]
        self._last[org] = last
        if not pending:
            self._pending.pop(org, None)
        return ready


class RedisBroker:
    """Publishes through one Redis pub/sub topic and delivers what it hears, in order, to the
    local registry, and control messages to `on_control(message)`. `read(fn, *args)` runs a
    read on the hub's database threads, and `eventlog` is the event log whose `logged` and
    `newest_seqs` it reads (agenthq/eventlog.py, passed in so that the broker imports no
    database code); `on_lost()` is called when the subscription drops (the hub closes its
    sockets with a retryable code, since events may pass unheard while it is down; clients
    resume with `since`)."""

    def __init__(self, url, registry, read, on_lost, on_control, eventlog):
        self.url, self.registry, self.read, self.on_lost = url, registry, read, on_lost
        self.eventlog = eventlog
        self.on_control = on_control
        self.available = False
        self.sequencer = Sequencer()
        self.client = None
        self._outbox = None
        self._tasks = []
        self._filling = set()
        self._ready = None
        self._stale = {}  # org_id -> last seq seen behind the log at the previous tail check

    async def start(self, timeout=10):
        """Connect and subscribe; raise if Redis does not answer within timeout."""
        # No silent retries: a dropped subscription must be noticed (events published while it
        # was down passed this process by), so that the hub can close its sockets.
        self.client = aioredis.from_url(self.url, socket_connect_timeout=2, socket_keepalive=True,
                                        retry=Retry(NoBackoff(), 0))
        self._outbox = asyncio.Queue()
        self._ready = asyncio.Event()
        self._tasks = [asyncio.ensure_future(self._listen()), asyncio.ensure_future(self._send())]
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except asyncio.TimeoutError:
            raise RuntimeError(f"Redis at {self.url} did not answer within {timeout} s") from None

    async def close(self):
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.client is not None:
            await self.client.aclose()

    # -- publishing -------------------------------------------------------------------------

    def publish(self, event):
        """Queue the event for Redis; a task sends the queue in batches, in order."""
        self._outbox.put_nowait((TOPIC, events.to_wire(event)))

    def publish_control(self, message):
        self._outbox.put_nowait((CONTROL, json.dumps(message)))

    async def _send(self):
        while True:
            batch = [await self._outbox.get()]
            while not self._outbox.empty() and len(batch) < 500:
                batch.append(self._outbox.get_nowait())
            for attempt in (1, 2):
                try:
                    async with self.client.pipeline(transaction=False) as pipe:
                        for topic, text in batch:
                            pipe.publish(topic, text)
                        await pipe.execute()
                    break
                except (RedisError, OSError) as error:
                    # Once more on a new connection: a Redis just restarted drops the ones
                    # made before. A duplicate is dropped by the receivers' sequencers.
                    if attempt == 2:
                        # Committed and logged: receivers read them from the log at their
                        # next gap or tail check; sockets closed meanwhile resume with `since`.
                        log.warning("could not publish %d events to Redis: %s", len(batch), error)

    # -- receiving --------------------------------------------------------------------------

    async def _listen(self):
        delay = 0.1
        while True:
            pubsub = self.client.pubsub()
            try:
                await pubsub.subscribe(TOPIC, CONTROL)
                self._up()
                delay = 0.1
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is None:
                        continue
                    if message["channel"] == CONTROL.encode():
                        self.on_control(json.loads(message["data"]))
                    else:
                        self._arrive(events.from_wire(message["data"]))
            except (RedisError, OSError) as error:
                self._down(error)
            finally:
                try:
                    await pubsub.aclose()
                except (RedisError, OSError):
                    pass
            await asyncio.sleep(delay)
            delay = min(2.0, delay * 2)

    def _up(self):
        self.sequencer.reset()
        self._stale.clear()
        if not self.available:
            log.info("Redis subscription up")
        self.available = True
        self._ready.set()

    def _down(self, error):
        if self.available:
            log.warning("Redis subscription lost (%s): closing sockets; clients resume with since", error)
            self.available = False
            self.sequencer.reset()
            self.on_lost()

    def _arrive(self, event):
        if not self.registry.has_connections_in(event.org_id):
            self.sequencer.forget(event.org_id)  # nobody here to hear it
            return
        # Held, not handed on, until a socket of the organization says where it starts
        # (joined): its sockets are all still reading their `connected` seq.
        self._deliver(self.sequencer.arrive(event))
        if self.sequencer.gap(event.org_id):
            self._schedule_fill(event.org_id)

    def joined(self, org_id, seq):
        """A socket of the organization got `seq` in its `connected` frame: everything up to
        it is the socket's by replay, everything after it must come from here."""
        self._deliver(self.sequencer.start_at(org_id, seq))
        if self.sequencer.gap(org_id):
            self._schedule_fill(org_id)

    def _deliver(self, ready):
        for event in ready:
            self.registry.publish(event)

    def _schedule_fill(self, org_id):
        if org_id not in self._filling:
            self._filling.add(org_id)
            asyncio.get_running_loop().call_later(GAP_WAIT, lambda: asyncio.ensure_future(self._fill(org_id)))

    async def _fill(self, org_id):
        """After GAP_WAIT: read any still-missing seqs from the log."""
        try:
            gap = self.sequencer.gap(org_id)
            if gap:
                await self._read_into(org_id, *gap)
        except Exception:  # a failed read (database down) is retried at the next tail check
            log.exception("could not fill an event gap for org %s", org_id)
        finally:
            self._filling.discard(org_id)

    async def _read_into(self, org_id, after, upto):
        found = await self.read(self.eventlog.logged, org_id, after, upto)
        self._deliver(self.sequencer.fill(org_id, found))
        if self.sequencer.gap(org_id) == (after, upto):
            # Not in the log any more (pruned): nothing to send, so do not wait for ever.
            self._deliver(self.sequencer.skip_to(org_id, upto))

    async def check_tail(self):
        """Called by the hub's upkeep: an organization whose newest logged seq has stayed
        ahead of what this process handed on for a whole round lost a publish (a process
        died after its commit); read the rest from the log."""
        orgs = [org for org in self.sequencer.started() if self.registry.has_connections_in(org)]
        for org in [org for org in self.sequencer.started() if org not in orgs]:
            self.sequencer.forget(org)
        if not orgs or not self.available:
            return
        newest = await self.read(self.eventlog.newest_seqs, orgs)
        stale = {}
        for org in orgs:
            last = self.sequencer.last(org)
            if last is not None and newest.get(org, 0) > last:
                if self._stale.get(org) == last:
                    await self._read_into(org, last, newest[org])
                else:
                    stale[org] = last
        self._stale = stale
