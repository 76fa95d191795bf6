"""The dispatcher: follows the event log for every active webhook and sends each selected
event, in seq order, one delivery in flight per webhook (a lease on the webhook's row, so
across processes too). The database steps are short writes; the HTTP runs on its own thread
pool, so a slow or dead receiver holds a pool thread, never the event loop, /ws or REST."""

import asyncio
import hashlib
import hmac
import json
import logging
from concurrent.futures import ThreadPoolExecutor

from ..clock import now_iso
from ..models import new_id
from ..services import webhooks
from . import guard

log = logging.getLogger("agenthq.webhooks")


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
        # The lease outlives the longest attempt, so a process that died mid-delivery only
        # delays its webhook by this much.
        self.lease = self.timeout + 20
        self.pool = ThreadPoolExecutor(config.webhook_threads, thread_name_prefix="agenthq-webhook")
        self.in_flight = set()
        self.wake = asyncio.Event()
        self._task = None
        self._deliveries = set()

    def start(self):
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    def close(self):
        if self._task is not None:
            self._task.cancel()
        self.pool.shutdown(wait=False, cancel_futures=True)

    async def stop(self):
        """At shutdown: an attempt cut short keeps its lease until it lapses, then is retried
        (at-least-once; the receiver dedupes on X-AgentHQ-Delivery)."""
        tasks = [task for task in (self._task, *self._deliveries) if task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=1)
        self.pool.shutdown(wait=False, cancel_futures=True)

    async def _run(self):
        while True:
            try:
                jobs = await self.hub.write(webhooks.claim_due, self.lease, frozenset(self.in_flight))
                for job in jobs:
                    self.in_flight.add(job[1])
                    task = asyncio.ensure_future(self._deliver(*job))
                    self._deliveries.add(task)
                    task.add_done_callback(self._deliveries.discard)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a database hiccup: try again next round
                log.warning("webhook dispatch round failed: %r", error)
            try:
                await asyncio.wait_for(self.wake.wait(), self.poll)
            except asyncio.TimeoutError:
                pass
            self.wake.clear()

    async def _deliver(self, delivery_id, webhook_id, url, secret, body):
        data = json.loads(body)
        raw = body.encode()
        headers = signed_headers(secret, data["event"], delivery_id, data["timestamp"], raw)
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(
                self.pool, guard.post, url, raw, headers, self.allow_private, self.timeout
            )
            if outcome[1]:
                log.info("webhook %s delivery %s failed: %s", webhook_id, delivery_id, outcome[1])
            await self.hub.write(webhooks.record_attempt, delivery_id, webhook_id, outcome, self.retry_base)
        except Exception as error:
            log.warning("webhook %s delivery %s not recorded: %r", webhook_id, delivery_id, error)
        finally:
            self.in_flight.discard(webhook_id)
            self.wake.set()  # its next event may go at once

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
