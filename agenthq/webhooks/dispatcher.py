"""The dispatcher: follows the event log for every active webhook and sends each selected
event, in seq order, one job in flight per webhook (a lease on the webhook's row, so across
processes too). A job is a block of deliveries sent in turn on one kept-alive connection,
stopping at the first failure; the database steps are short writes (one to claim, one per
block to record and take the next), and the HTTP runs on its own thread pool, so a slow or
dead receiver holds a pool thread, never the event loop, /ws or REST."""

import asyncio
import hashlib
import hmac
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from ..clock import now_iso
from ..models import new_id
from ..services import webhook_jobs, webhooks
from . import guard

log = logging.getLogger("agenthq.webhooks")

BATCH = 50  # deliveries per job: one database round trip records them all
# A job stops starting new attempts after this long, so that its lease (timeout + 20 s) always
# outlives it: at most this plus one attempt's timeout.
JOB_BUDGET = 5.0
QUIET_GAP = 0.05  # a burst of posts wakes the dispatcher once, not once per post
# While events keep coming, claim rounds are this far apart: a webhook's job then carries
# what gathered meanwhile (at 20 posts/s, four events a request round rather than one), and
# the claim, the pool hand-over and the recording write, all of which take the GIL from the
# loop delivering to /ws, are paid per block instead of per event.
ROUND_GAP = 0.2


def signed_headers(secret, event, delivery_id, timestamp, body):
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json", "X-AgentHQ-Event": event, "X-AgentHQ-Delivery": delivery_id,
        "X-AgentHQ-Timestamp": timestamp, "X-AgentHQ-Signature": "sha256=" + signature,
    }


class Dispatcher:
    def __init__(self, hub):
        self.hub = hub
        config = hub.config
        self.allow_private = config.webhook_allow_private
        self.poll = config.webhook_poll
        self.retry_base = config.webhook_retry_base
        self.timeout = config.webhook_timeout
        # The lease outlives the longest job, so a process that died mid-delivery only delays
        # its webhook by this much.
        self.lease = JOB_BUDGET + self.timeout + 20
        self.pool = ThreadPoolExecutor(config.webhook_threads, thread_name_prefix="agenthq-webhook")
        self.sender = guard.Sender(self.allow_private, self.timeout)
        self.in_flight = set()
        self.active = True  # are there active webhooks? unknown until the first round
        self.wake = asyncio.Event()
        self._task = None
        self._deliveries = set()

    def start(self):
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    def nudge(self):
        """A write committed events: look at the log now rather than at the next poll (only
        when some webhook is active, so a hub without webhooks pays nothing)."""
        if self.active:
            self.wake.set()

    def close(self):
        if self._task is not None:
            self._task.cancel()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.sender.close()

    async def stop(self):
        """At shutdown: a job cut short keeps its lease until it lapses, then is retried
        (at-least-once; the receiver dedupes on X-AgentHQ-Delivery)."""
        tasks = [task for task in (self._task, *self._deliveries) if task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1)
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.sender.close()

    async def _run(self):
        if self.hub.cluster is None:
            try:
                await self.hub.write(webhooks.release_leases)
            except Exception as error:  # then the leases lapse as they would
                log.warning("webhook leases of the previous run not released: %r", error)
        loop = asyncio.get_running_loop()
        while True:
            last_round = loop.time()
            try:
                jobs, active = await self.hub.write(
                    webhook_jobs.claim_due, self.lease, frozenset(self.in_flight), BATCH)
                self.active = active > 0
                for webhook_id, url, secret, deliveries in jobs:
                    self.in_flight.add(webhook_id)
                    task = asyncio.ensure_future(self._follow(webhook_id, url, secret, deliveries))
                    self._deliveries.add(task)
                    task.add_done_callback(self._deliveries.discard)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a database hiccup: try again next round
                log.warning("webhook dispatch round failed: %r", error)
            try:
                await asyncio.wait_for(self.wake.wait(), self.poll)
                await asyncio.sleep(max(QUIET_GAP, last_round + ROUND_GAP - loop.time()))
            except asyncio.TimeoutError:
                pass
            self.wake.clear()

    async def _follow(self, webhook_id, url, secret, deliveries):
        """Send a webhook's deliveries block after block while they go through and full
        blocks are due (a backlog drains at once); then give the webhook back to the claim
        rounds, which gather a trickle of new events."""
        loop = asyncio.get_running_loop()
        try:
            while deliveries:
                outcomes = await loop.run_in_executor(self.pool, self._send, webhook_id, url, secret, deliveries)
                deliveries = await self.hub.write(
                    webhook_jobs.record_attempts, webhook_id, outcomes, self.retry_base, self.lease, BATCH)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("webhook %s deliveries not recorded: %r", webhook_id, error)
        finally:
            self.in_flight.discard(webhook_id)
            self.wake.set()  # its next event (a retry, or one logged meanwhile) may be due

    def _send(self, webhook_id, url, secret, deliveries):
        """On a pool thread: POST each delivery in turn, stopping at the first failure or when
        the job's time is up; [(delivery id, status, error, duration_ms)] of those attempted."""
        started = time.monotonic()
        outcomes = []
        for delivery_id, event, timestamp, body in deliveries:
            raw = body.encode()
            headers = signed_headers(secret, event, delivery_id, timestamp, raw)
            status, error, duration_ms = self.sender.post(webhook_id, url, raw, headers)
            outcomes.append((delivery_id, status, error, duration_ms))
            if error is not None:
                log.info("webhook %s delivery %s failed: %s", webhook_id, delivery_id, error)
                break
            if time.monotonic() - started > JOB_BUDGET:
                break
        return outcomes

    async def test(self, webhook_id, url, secret, org_id):
        """POST /webhooks/:id/test: one `test` event now, outside the queue; logged."""
        delivery_id, timestamp = new_id(), now_iso()
        body = webhooks.body_of(delivery_id, "test", org_id, timestamp, None,
                                {"message": "This is a test ping from AgentHQ"})
        raw = body.encode()
        headers = signed_headers(secret, "test", delivery_id, timestamp, raw)
        outcome = await asyncio.get_running_loop().run_in_executor(
            self.pool, guard.post, url, raw, headers, self.allow_private, self.timeout
        )
        await self.hub.write(webhooks.log_test, webhook_id, org_id, delivery_id, body, timestamp, outcome)
        status, error, duration_ms = outcome
        return {"delivered": error is None, "response_status": status, "error": error, "duration_ms": duration_ms}
