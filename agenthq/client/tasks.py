"""Task calls (SPEC §12) and the worker loop `client.work()` that claims, renews, completes
and releases tasks for the code in its body."""

import asyncio
import logging

from .errors import AgentHQError

log = logging.getLogger("agenthq.client")

# A lease renewal that cannot succeed any more: stop renewing (the body keeps running; its
# completion will tell it, with the same error).
_LOST = {"LEASE_EXPIRED", "NOT_CLAIMED", "FORBIDDEN", "NOT_FOUND"}


def _body(**fields):
    return {k: v for k, v in fields.items() if v is not None}


class TaskMethods:
    """Mixed into AgentHQClient, which provides `_call`."""

    async def list_tasks(self, status=None, priority=None, assigned_to=None, created_by=None, channel=None,
                         claimable=None, page=None, limit=None):
        query = {"status": status, "priority": priority, "assigned_to": assigned_to, "created_by": created_by,
                 "channel_id": channel, "claimable": None if claimable is None else str(bool(claimable)).lower(),
                 "page": page, "limit": limit}
        return await self._call("GET", "/api/v1/tasks", query=query)

    async def create_task(self, title, description=None, priority=None, status=None, assigned_to=None,
                          assigned_type=None, channel=None, due_date=None, metadata=None):
        body = _body(title=title, description=description, priority=priority, status=status,
                     assigned_to=assigned_to, assigned_type=assigned_type, channel_id=channel, due_date=due_date,
                     metadata=metadata)
        return await self._call("POST", "/api/v1/tasks", body)

    async def get_task(self, task_id):
        return await self._call("GET", f"/api/v1/tasks/{task_id}")

    async def update_task(self, task_id, **fields):
        """Fields as PATCH /tasks/:id takes them; a value of None clears a clearable field."""
        return await self._call("PATCH", f"/api/v1/tasks/{task_id}", fields)

    async def delete_task(self, task_id):
        return await self._call("DELETE", f"/api/v1/tasks/{task_id}")

    async def claim_task(self, task_id, lease_seconds=None):
        return await self._call("POST", f"/api/v1/tasks/{task_id}/claim", _body(lease_seconds=lease_seconds))

    async def claim_next_task(self, channel=None, priority=None, lease_seconds=None):
        """The next open, unassigned task (highest priority, earliest due date, oldest), now
        the caller's; None when there is none."""
        body = _body(channel_id=channel, priority=priority, lease_seconds=lease_seconds)
        return await self._call("POST", "/api/v1/tasks/claim", body)

    async def renew_task(self, task_id, lease_seconds=None):
        return await self._call("POST", f"/api/v1/tasks/{task_id}/renew", _body(lease_seconds=lease_seconds))

    async def release_task(self, task_id):
        return await self._call("POST", f"/api/v1/tasks/{task_id}/release")

    async def complete_task(self, task_id):
        return await self.update_task(task_id, status="completed")

    async def work(self, channel=None, priority=None, lease_seconds=60, idle=2.0, stop_when_empty=False):
        """Claim tasks one at a time and hand each to the loop's body:

            async for task in client.work(channel="builds"):
                await build(task)

        While the body runs, the lease is renewed in the background (every third of it). When
        the body finishes, the task is completed; when it raises (or the loop is left with
        `break`), the task is released for another worker. A release on an exception happens
        when the loop's generator is closed: at once with `contextlib.aclosing(client.work())`,
        else when asyncio finalizes it; should the process die, the lease expires instead.
        With no task to claim it waits `idle` seconds and tries again, or ends if
        `stop_when_empty`."""
        while True:
            task = await self.claim_next_task(channel=channel, priority=priority, lease_seconds=lease_seconds)
            if task is None:
                if stop_when_empty:
                    return
                await asyncio.sleep(idle)
                continue
            renewer = asyncio.ensure_future(self._keep_lease(task["id"], lease_seconds))
            try:
                yield task
            except BaseException:  # the body raised or the loop was left: give the task back
                renewer.cancel()
                try:
                    await self.release_task(task["id"])
                except AgentHQError as error:
                    log.warning("could not release task %s: %s", task["id"], error)
                raise
            renewer.cancel()
            await self.complete_task(task["id"])

    async def _keep_lease(self, task_id, lease_seconds):
        while True:
            await asyncio.sleep(max(1.0, lease_seconds / 3))
            try:
                await self.renew_task(task_id, lease_seconds)
            except AgentHQError as error:
                if error.code in _LOST:
                    log.warning("lost the lease on task %s: %s", task_id, error)
                    return
                # A network hiccup: try again next round, well before the lease runs out.
                log.info("could not renew the lease on task %s: %s", task_id, error)
