"""The periodic task that returns expired task leases to the pool (SPEC §12.1), started and
stopped with the hub's upkeep (agenthq/upkeep.py). Its own loop, at its own interval (1 s), so an expiry is reported within
the spec's 5 s whatever the presence upkeep's pace."""

import asyncio
import logging

from .services import task_claims

log = logging.getLogger("agenthq")


async def run(hub):
    interval = hub.config.task_sweep_interval
    while True:
        await asyncio.sleep(interval)
        if hub.cluster and not hub.cluster.available:
            continue  # writes are refused until Redis is back; the leases wait in the database
        try:
            # A backlog (a hub down for a while) is drained in rounds of 500 without waiting.
            while await hub.write(task_claims.sweep) >= 500:
                pass
        except Exception:  # keep sweeping whatever one round hit; it is logged once
            log.exception("task lease sweep failed")
