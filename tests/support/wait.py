"""Waiting for state the server reaches asynchronously, without fixed sleeps."""

import asyncio


async def eventually(predicate, timeout=5, step=0.02):
    """Poll until predicate() is true (a test of state the server reaches asynchronously)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(step)
