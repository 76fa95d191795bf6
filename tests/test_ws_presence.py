"""Presence: an agent is online while it has an open socket or a fresh heartbeat (REST or WS);
agent.online / agent.offline fire once per transition, also when it goes quiet without
closing; the stored status and last_heartbeat follow."""

import asyncio

import pytest

from agenthq.clock import parse_iso
from agenthq.models import Agent
from tests.ws_support import agent_status, eventually, open_ws

PRESENCE_TIMEOUT = 0.5


@pytest.fixture
def config_overrides():
    # Sockets idle for 2 s are closed, so the tests stay well inside that; the sweep runs
    # every ~0.17 s and takes a silent agent offline after 0.5 s.
    return {"heartbeat_interval": 1.0, "presence_timeout": PRESENCE_TIMEOUT}


async def presence_events(ws, within, then_quiet=None):
    """Every agent.online / agent.offline frame that arrives within the given time (after a
    heartbeat that keeps the watching socket from being closed as idle). With then_quiet,
    stop once that long has passed after the latest agent.offline."""
    await ws.send({"type": "heartbeat"})
    loop = asyncio.get_running_loop()
    deadline, seen = loop.time() + within, []
    while loop.time() < deadline:
        try:
            frame = await ws.recv(deadline - loop.time())
        except asyncio.TimeoutError:
            break
        assert frame is not None, "the watching socket was closed"
        if frame["type"] in ("agent.online", "agent.offline"):
            seen.append((frame["type"], frame["data"]["id"], frame["data"]["status"]))
            if frame["type"] == "agent.offline" and then_quiet is not None:
                deadline = loop.time() + then_quiet
    return seen


async def watcher(api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    return org, ws


@pytest.mark.gen_test
async def test_online_on_connect_offline_on_close(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    assert agent["status"] == "offline"
    ws, _ = await open_ws(ws_connect, key)
    online = await watch.expect("agent.online")
    assert online["data"]["id"] == agent["id"] and online["data"]["status"] == "online"
    assert online["data"]["last_heartbeat"] is not None
    stored = Agent.get_by_id(agent["id"])
    assert stored.status == "online" and stored.last_heartbeat
    ws.close()
    offline = await watch.expect("agent.offline")
    assert offline["data"]["id"] == agent["id"] and offline["data"]["status"] == "offline"
    assert offline["seq"] > online["seq"]
    assert agent_status(agent["id"]) == "offline"
    fetched = await api.ok("GET", f"/api/v1/agents/{agent['id']}", token=org.token)
    assert fetched["status"] == "offline"


@pytest.mark.gen_test
async def test_two_sockets_one_transition_each_way(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    first, _ = await open_ws(ws_connect, key)
    second, _ = await open_ws(ws_connect, key)
    assert await presence_events(watch, 0.3) == [("agent.online", agent["id"], "online")]
    first.close()
    assert await presence_events(watch, 0.3) == []
    assert agent_status(agent["id"]) == "online"
    second.close()
    assert await presence_events(watch, 3, then_quiet=0.3) == [("agent.offline", agent["id"], "offline")]


@pytest.mark.gen_test
async def test_users_have_no_presence_events(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    _, member_token = await org.user()
    other, _ = await open_ws(ws_connect, member_token)
    other.close()
    await watch.nothing(0.3)


@pytest.mark.gen_test
async def test_rest_heartbeat_keeps_an_agent_online_and_silence_takes_it_offline(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    beat = f"/api/v1/agents/{agent['id']}/heartbeat"
    assert await api.ok("POST", beat, {}, token=key) == {"ok": True}
    online = await watch.expect("agent.online")
    assert online["data"]["status"] == "online"
    # Beating faster than the timeout: online throughout, no further event.
    for _ in range(5):
        await asyncio.sleep(PRESENCE_TIMEOUT / 3)
        await api.ok("POST", beat, {}, token=key)
    assert await presence_events(watch, 0.05) == []
    assert agent_status(agent["id"]) == "online"
    # Then silence: the sweep takes it offline, once.
    events = await presence_events(watch, 3, then_quiet=0.4)
    assert events == [("agent.offline", agent["id"], "offline")]
    assert agent_status(agent["id"]) == "offline"


@pytest.mark.gen_test
async def test_ws_heartbeat_counts_as_the_agents_heartbeat(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key)
    await watch.expect("agent.online")
    first = Agent.get_by_id(agent["id"]).last_heartbeat
    await asyncio.sleep(0.6)  # more than half the heartbeat interval: the next beat is written
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")
    await eventually(lambda: Agent.get_by_id(agent["id"]).last_heartbeat > first)
    assert parse_iso(Agent.get_by_id(agent["id"]).last_heartbeat) > parse_iso(first)


@pytest.mark.gen_test
async def test_connected_agent_is_never_swept(api, ws_connect):
    """The sweep only takes agents with no socket: one that is connected stays online past the
    heartbeat timeout while its socket is open (and heartbeating, so not idle)."""
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key)
    await watch.expect("agent.online")
    for _ in range(4):
        await asyncio.sleep(PRESENCE_TIMEOUT / 2)
        await watch.send({"type": "heartbeat"})
        await ws.send({"type": "heartbeat"})
        await ws.expect("heartbeat_ack")
    assert await presence_events(watch, 0.05) == []
    assert agent_status(agent["id"]) == "online"


@pytest.mark.gen_test
async def test_busy_is_an_update_not_a_transition(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key)
    await watch.expect("agent.online")
    beat = f"/api/v1/agents/{agent['id']}/heartbeat"
    await api.ok("POST", beat, {"status": "busy"}, token=key)
    update = await watch.expect("agent.updated")
    assert update["data"]["status"] == "busy"
    # A WS heartbeat keeps it busy; a second socket does not make it "online" again.
    await asyncio.sleep(0.6)
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")
    again, _ = await open_ws(ws_connect, key)
    assert await presence_events(watch, 0.3) == []
    assert agent_status(agent["id"]) == "busy"
    await api.ok("POST", beat, {"status": "online"}, token=key)
    assert (await watch.expect("agent.updated"))["data"]["status"] == "online"
    ws.close()
    again.close()
    assert await presence_events(watch, 3, then_quiet=0.3) == [("agent.offline", agent["id"], "offline")]


@pytest.mark.gen_test
async def test_busy_agent_that_goes_silent_is_swept_offline(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    await api.ok("POST", f"/api/v1/agents/{agent['id']}/heartbeat", {"status": "busy"}, token=key)
    online = await watch.expect("agent.online")
    assert online["data"]["status"] == "busy"
    assert await presence_events(watch, 3, then_quiet=0.4) == [("agent.offline", agent["id"], "offline")]


@pytest.mark.gen_test
async def test_rest_heartbeat_offline_is_a_transition(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    beat = f"/api/v1/agents/{agent['id']}/heartbeat"
    await api.ok("POST", beat, {}, token=key)
    await watch.expect("agent.online")
    await api.ok("POST", beat, {"status": "offline"}, token=key)
    assert await presence_events(watch, 3, then_quiet=0.3) == [("agent.offline", agent["id"], "offline")]


@pytest.mark.gen_test
async def test_agent_offline_when_its_socket_drops_while_it_also_beats_over_rest(api, ws_connect):
    """Closing is an explicit goodbye: offline at once, without waiting for the REST heartbeat
    to expire, and only once (the sweep does not fire a second offline)."""
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    await api.ok("POST", f"/api/v1/agents/{agent['id']}/heartbeat", {}, token=key)
    ws, _ = await open_ws(ws_connect, key)
    ws.close()
    assert await presence_events(watch, 3, then_quiet=PRESENCE_TIMEOUT + 0.2) == [
        ("agent.online", agent["id"], "online"), ("agent.offline", agent["id"], "offline"),
    ]


@pytest.mark.gen_test
async def test_quick_reconnects_alternate_and_end_offline(api, ws_connect):
    """However fast an agent connects and drops (even before its `connected` frame), its
    events strictly alternate online/offline and it ends offline once no socket is left."""
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    for i in range(16):
        ws = await ws_connect(token=key)
        if i % 3 == 0:
            await ws.expect("connected")
        if i % 2:
            ws.conn.protocol.stream.close()  # a dropped connection: no close frame
        else:
            ws.close()
        await asyncio.sleep(0.002 * (i % 4))
    events = await presence_events(watch, 3, then_quiet=0.4)
    kinds = [kind for kind, _, _ in events]
    assert all(a != b for a, b in zip(kinds, kinds[1:])), kinds
    assert kinds and kinds[0] == "agent.online" and kinds[-1] == "agent.offline", kinds
    assert agent_status(agent["id"]) == "offline"


@pytest.mark.gen_test
async def test_deleted_agent_has_no_offline_after_its_deletion(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key)
    await watch.expect("agent.online")
    await api.ok("DELETE", f"/api/v1/agents/{agent['id']}", token=org.token)
    await watch.expect("agent.deleted")
    assert await presence_events(watch, 0.4) == []
