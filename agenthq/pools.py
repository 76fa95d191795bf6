"""Small thread pools for slow work (password hashing, full-text search) with a queue limit:
past it a caller is refused at once with 503 and Retry-After, instead of waiting behind a flood
that an attacker can grow for free."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from .errors import Unavailable


class BoundedPool:
    def __init__(self, name, threads, queue, busy_message, initializer=None):
        self.threads, self.queue = max(1, int(threads)), max(0, int(queue))
        self.busy_message = busy_message
        self.pending = 0  # running or waiting; only touched on the event loop
        self._executor = ThreadPoolExecutor(self.threads, name, initializer=initializer)

    async def run(self, fn, *args):
        if self.pending >= self.threads + self.queue:
            raise Unavailable(self.busy_message, headers={"Retry-After": "1"})
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        finally:
            self.pending -= 1

    def shutdown(self):
        self._executor.shutdown(wait=True)
