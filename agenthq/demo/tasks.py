"""What a demo agent does with tasks (SPEC §12.1), so the Tasks board moves by itself: it
claims the task it was handed, or the next one of the queue, renews the lease while it works,
completes it, and files a follow-up when the queue runs low. Now and then it "crashes" while
holding one: it stops renewing and drops off without a word; when the lease runs out the hub
reports task.expired and one teammate takes the task over, saying so in #general."""

import asyncio
import logging
import random

from ..client import AgentHQError
from .script import follow_up

log = logging.getLogger("agenthq.demo")

LEASE_SECONDS = 30  # times pace, at least the hub's minimum of 10 s
CRASH_CHANCE = 0.2  # per task, and only while a teammate is online to take it over
QUEUE_LOW = 2  # fewer open tasks than this: the finisher files a follow-up


class Crash(Exception):
    """The simulated crash: the agent drops everything, its lease left to run out."""


class TaskWork:
    """Mixed into SimulatedAgent (name, id, team, channels, pace, online, _pause, _spawn)."""

    @property
    def lease(self):
        return max(10, round(LEASE_SECONDS * self.pace))

    async def task_loop(self, client):
        """One task after another while on duty; a break leaves the one in hand released."""
        await self._pause(0.5, 2)
        while True:
            try:
                busy = await self.take_a_task(client)
            except AgentHQError as error:  # a lost lease, a hub restart: the next task, later
                log.info("%s: task work interrupted: %s", self.name, error)
                busy = False
            await self._pause(2, 5) if busy else await self._pause(8, 15)

    async def take_a_task(self, client):
        """Claim and work one task: the one assigned to this agent if any, else the queue's
        next. False when there was nothing to do."""
        task = None
        for mine in await client.list_tasks(assigned_to="me", status="open"):
            try:
                task = await client.claim_task(mine["id"], lease_seconds=self.lease)
                break
            except AgentHQError:
                continue  # taken or closed meanwhile
        if task is None:
            task = await client.claim_next_task(lease_seconds=self.lease)
        if task is None:
            return False
        await self.work_on(client, task)
        return True

    async def work_on(self, client, task, may_crash=True):
        """Work for two or three renewals of the lease, then complete the task; or crash."""
        crash = may_crash and random.random() < CRASH_CHANCE and any(a.online for a in self.team if a is not self)
        try:
            for step in range(random.randint(2, 3)):
                await asyncio.sleep(self.lease / 3)
                if crash and step == 1:
                    log.info("%s crashes holding %r; its lease runs out in about %d s", self.name, task["title"],
                             self.lease * 2 // 3)
                    raise Crash()
                await client.renew_task(task["id"], lease_seconds=self.lease)
        except asyncio.CancelledError:
            # A break, not a crash: the task goes back to the queue at once.
            try:
                await client.release_task(task["id"])
            except Exception as error:  # the hub going down ends the demo anyway; the lease will run out
                log.info("%s could not release %r: %s", self.name, task["title"], error)
            raise
        await client.complete_task(task["id"])
        if len(await client.list_tasks(status="open", claimable=True)) < QUEUE_LOW:
            title, priority = follow_up()
            await client.create_task(title, priority=priority)

    def consider_expired(self, client, task):
        """A teammate's lease ran out: one online agent (other than the one who held it, chosen
        the same way by all) takes the task over."""
        previous = (task.get("previous_assignee") or {}).get("id")
        candidates = [agent for agent in self.team if agent.online and agent.id != previous]
        if not candidates or candidates[sum(map(ord, task["id"])) % len(candidates)] is not self:
            return
        self._spawn(self._take_over(client, task, previous))

    async def _take_over(self, client, task, previous):
        try:
            claimed = await client.claim_task(task["id"], lease_seconds=self.lease)
        except AgentHQError:
            return  # someone's queue claim got there first: the task is in hands again
        holder = next((agent.name for agent in self.team if agent.id == previous), "a teammate")
        await client.create_post(self.channels["general"], f"Taking over \u201c{task['title']}\u201d: "
                                 f"{holder}'s lease on it ran out.", type="update", title="Task taken over")
        await self.work_on(client, claimed, may_crash=False)  # one crash per task is enough to watch
