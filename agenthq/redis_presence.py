"""Which agents have a socket open on some live hub process, kept in Redis so that presence
holds across processes: one sorted set per agent, one member per process that has it
connected, scored with the time that entry expires. Each process renews its entries every
upkeep round; a process that dies stops renewing, so its agents count as gone once the
presence timeout has passed, and the sweep of any live process takes them offline."""

import time
import uuid

KEY = "agenthq:presence:{}"


class RedisPresence:
    def __init__(self, client, ttl):
        self.client, self.ttl = client, float(ttl)
        self.process = uuid.uuid4().hex  # this process, as a member of the agents' sets

    def _key(self, agent_id):
        return KEY.format(agent_id)

    async def connected(self, agent_ids):
        """Mark (or renew) these agents as connected here until now + ttl."""
        if not agent_ids:
            return
        expires = time.time() + self.ttl
        async with self.client.pipeline(transaction=False) as pipe:
            for agent_id in agent_ids:
                pipe.zadd(self._key(agent_id), {self.process: expires})
                pipe.expire(self._key(agent_id), int(self.ttl * 2) + 1)
            await pipe.execute()

    async def disconnected(self, agent_id):
        """This process has no socket of the agent any more; True if another live one has."""
        key = self._key(agent_id)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zrem(key, self.process)
            pipe.zcount(key, time.time(), "+inf")
            _, elsewhere = await pipe.execute()
        return elsewhere > 0

    async def connected_anywhere(self, agent_ids):
        """The subset of agent_ids with a live entry on some process."""
        agent_ids = list(agent_ids)
        if not agent_ids:
            return set()
        now = time.time()
        async with self.client.pipeline(transaction=False) as pipe:
            for agent_id in agent_ids:
                pipe.zcount(self._key(agent_id), now, "+inf")
            counts = await pipe.execute()
        return {agent_id for agent_id, count in zip(agent_ids, counts) if count}
