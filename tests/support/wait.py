"""Waiting for state the server reaches asynchronously, without fixed sleeps."""

import asyncio


async def eventually(predicate, timeout=15, step=0.02):
    """Poll until predicate() is true (a test of state the server reaches asynchronously). The
    deadline only names a hang: the suite runs on several workers sharing few cores."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(step)
