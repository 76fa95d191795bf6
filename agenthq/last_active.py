"""When an agent was last active: any authenticated request of it counts, but the database
hears of it at most once per INTERVAL per agent, so a busy agent costs one small write a
minute, not one per request. The request never waits for that write (Hub.spawn)."""

import time

INTERVAL = 60.0  # seconds; "last active" on the page is at most this stale
MAX_TRACKED = 100_000  # agents remembered per process before the memory starts afresh


class LastActive:
    def __init__(self, interval=INTERVAL):
        self.interval = interval
        self._asked = {}  # agent id -> monotonic time its last write was asked for

    def due(self, agent_id, now=None):
        """True (and remembered) when this agent's activity should be written now."""
        now = time.monotonic() if now is None else now
        last = self._asked.get(agent_id)
        if last is not None and now - last < self.interval:
            return False
        if len(self._asked) >= MAX_TRACKED:
            self._asked.clear()  # at worst one extra write per agent
        self._asked[agent_id] = now
        return True
