"""A connect storm: many sockets opening at once with agent keys, as a fleet reconnects after a
restart. The hub starts their upgrades a slice per loop turn (agenthq/httplimits.py), so it
keeps answering others meanwhile (a liveness check, never a timed one); every socket still
connects and subscribes, none refused (up to 100 in flight from one address, under its cap of
128 unauthenticated connections: one waiting for its upgrade no longer counts), and every
agent's agent.online arrives exactly once (the presence of sockets opening together is
written in one batch)."""

import asyncio

import pytest

from tests.support import open_ws, subscribe
from tests.test_ws_presence import next_frame, sentinel, watcher

SOCKETS = 400
AGENTS = 40
IN_FLIGHT = 100


@pytest.fixture
def config_overrides():
    return {}


async def storm(ws_connect, keys, channel_id, done):
    """Open SOCKETS sockets, IN_FLIGHT at a time, each through `connected` and `subscribed`;
    `done` counts those that got there."""
    window = asyncio.Semaphore(IN_FLIGHT)

    async def one(number):
        async with window:
            ws, hello = await open_ws(ws_connect, keys[number % len(keys)])
            assert hello["type"] == "connected"
            await subscribe(ws, channel_id)
            done.append(ws)

    await asyncio.gather(*(one(number) for number in range(SOCKETS)))


@pytest.mark.gen_test(timeout=120)
async def test_health_answers_during_a_storm_and_every_socket_arrives(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agents = [await org.agent(f"fleet-{n}") for n in range(AGENTS)]
    keys = [key for _, key in agents]
    general = await org.channel_id()
    opened = []
    task = asyncio.ensure_future(storm(ws_connect, keys, general, opened))

    # /health keeps answering while upgrades wait their turn: at least one answer comes
    # before the last socket of the storm has subscribed.
    answered_during = 0
    while not task.done():
        code, body = await api.call("GET", "/health")
        assert code == 200, body
        if len(opened) < SOCKETS:
            answered_during += 1
    await task
    assert answered_during >= 1
    assert len(opened) == SOCKETS

    # Each agent went online once, whichever batch its first socket was written in.
    online = {}
    for _ in range(AGENTS):
        frame = await next_frame(watch, lambda f: f["type"] == "agent.online")
        online[frame["data"]["id"]] = online.get(frame["data"]["id"], 0) + 1
    await sentinel(org, watch)
    assert online == {agent["id"]: 1 for agent, _ in agents}
    assert sum(1 for f in watch.frames if f["type"] == "agent.online") == AGENTS
    for ws in opened:  # and every socket of the storm is still open and answering
        await ws.send({"type": "heartbeat"})
    for ws in opened:
        assert (await ws.expect("heartbeat_ack"))["type"] == "heartbeat_ack"
