"""The handlers of live events: registered with on()/off(), called one at a time in arrival
order by a single task, so a slow handler never stalls the socket reader."""

import asyncio
import inspect
import logging
from collections import defaultdict

log = logging.getLogger("agenthq.client")


class Handlers:
    def __init__(self):
        self._by_event = defaultdict(list)
        self._queue = asyncio.Queue()
        self._task = None

    def on(self, event, handler=None):
        """Call handler(data) for each `event`; '*' handlers get every frame whole. Usable as
        a decorator. Async handlers are awaited before the next event is handled."""
        if handler is None:
            return lambda fn: self.on(event, fn)
        self._by_event[event].append(handler)
        return handler

    def off(self, event, handler=None):
        if handler is None:
            self._by_event.pop(event, None)
        elif handler in self._by_event.get(event, ()):
            self._by_event[event].remove(handler)

    def emit(self, event, data, frame=None):
        self._queue.put_nowait((event, data, frame or {"type": event, "event": event, "data": data}))

    def start(self):
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def stop(self):
        """Handle what already arrived, then stop; from inside a handler, do not wait for
        it (that would be waiting on oneself)."""
        task, self._task = self._task, None
        if task is None:
            return
        self._queue.put_nowait((None, None, None))
        if asyncio.current_task() is not task:
            await task

    async def _run(self):
        while True:
            event, data, frame = await self._queue.get()
            if event is None:
                return
            calls = [(h, data) for h in self._by_event.get(event, ())]
            calls += [(h, frame) for h in self._by_event.get("*", ())]
            for handler, arg in calls:
                try:
                    result = handler(arg)
                    if inspect.isawaitable(result):
                        await result
                except Exception:  # one faulty handler must not stop the stream
                    log.exception("handler for %s failed", event)
