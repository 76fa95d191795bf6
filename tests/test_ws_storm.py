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


@pytest.mark.gen_test(timeout=60)
async def test_sockets_opening_together_keep_each_agents_own_transition(api, ws_connect):
    """Sockets of several agents opening together (their presence written in one batch, or a
    few, whichever way the arrivals fall): an offline agent goes online (one event, its socket's
    connected seq before it), a busy agent stays busy (no event), an online agent only has its
    heartbeat renewed (no event), and a deleted agent's key is refused and changes nothing."""
    org, watch = await watcher(api, ws_connect)
    (offline, offline_key), (busy, busy_key), (online, online_key), (gone, gone_key) = [
        await org.agent(name) for name in ("offline", "busy", "online", "gone")]
    await api.ok("POST", f"/api/v1/agents/{busy['id']}/heartbeat", {"status": "busy"}, token=busy_key)
    await api.ok("POST", f"/api/v1/agents/{online['id']}/heartbeat", {}, token=online_key)
    for agent in (busy, online):
        await next_frame(watch, lambda f, a=agent: f["type"] == "agent.online" and f["data"]["id"] == a["id"])
    await api.ok("DELETE", f"/api/v1/agents/{gone['id']}", token=org.token)

    keys = [offline_key, busy_key, online_key] * 5 + [gone_key] * 3
    clients = await asyncio.gather(*(ws_connect(token=key) for key in keys))
    firsts = await asyncio.gather(*(client.recv() for client in clients))
    assert [f["type"] for f in firsts[:15]] == ["connected"] * 15
    assert all(f["type"] == "error" and f["data"]["reason"] == "INVALID_API_KEY" for f in firsts[15:])

    came = await next_frame(watch, lambda f: f["type"] == "agent.online")
    assert came["data"]["id"] == offline["id"] and came["data"]["status"] == "online"
    await sentinel(org, watch)
    presence_frames = [f for f in watch.frames if f["type"] in ("agent.online", "agent.offline", "agent.updated")]
    assert [f["data"]["id"] for f in presence_frames[2:]] == [offline["id"]]
    statuses = {a["id"]: s["status"] for a in (offline, busy, online)
                for s in [await api.ok("GET", f"/api/v1/agents/{a['id']}", token=org.token)]}
    assert statuses == {offline["id"]: "online", busy["id"]: "busy", online["id"]: "online"}
