"""Presence: an agent is online while it has an open socket or a heartbeat (REST, WS, or
opening a socket) newer than the presence timeout; agent.online / agent.offline fire once per
transition, also when it goes quiet without closing; closing the last socket does not take it
offline while its heartbeat is fresh, so an agent that flaps emits nothing.

Every "nothing (else) arrived" below ends with a sentinel that must arrive: a post made after
the server handled what is tested, and, where a second offline from a later sweep round is
what must not come, another agent that a later round takes offline first."""

import asyncio

import pytest

from agenthq.clock import parse_iso
from agenthq.models import Agent
from tests.support import agent_status, eventually, open_ws, subscribe

PRESENCE = ("agent.online", "agent.offline")


@pytest.fixture
def config_overrides():
    # The round runs every ~0.17 s and takes a silent agent offline after 0.5 s; sockets
    # silent for 3 s (three intervals) are closed, so watchers heartbeat while they wait.
    return {"heartbeat_interval": 1.0, "presence_timeout": 0.5}


async def watcher(api, ws_connect):
    """An organization and its owner's socket, subscribed to #general (where sentinels go)."""
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, await org.channel_id())
    return org, ws


async def next_frame(watch, wanted, timeout=10):
    """The next frame for which wanted(frame) is true; the watcher heartbeats whenever it has
    waited half a second, so it is never closed as idle."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            frame = await watch.recv(0.5)
        except asyncio.TimeoutError:
            assert loop.time() < deadline, "the awaited frame never came"
            await watch.send({"type": "heartbeat"})
            continue
        assert frame is not None, "the watching socket was closed"
        if wanted(frame):
            return frame


async def presence(watch, agent_id):
    """The next agent.online / agent.offline frame of this agent."""
    return await next_frame(watch, lambda f: f["type"] in PRESENCE and f["data"]["id"] == agent_id)


async def sentinel(org, watch):
    """A post made now, which must reach the watcher: everything the server sent before it
    has arrived too."""
    post = await org.post("sentinel")
    await next_frame(watch, lambda f: f["type"] == "post.created" and f["data"]["id"] == post["id"])


async def after_a_later_round(org, watch):
    """Return once a sweep round later than now has run and its events have arrived: an agent
    that beats once now goes offline only in a round after its heartbeat aged out."""
    clock, key = await org.agent("clock")
    await org.api.ok("POST", f"/api/v1/agents/{clock['id']}/heartbeat", {}, token=key)
    assert (await presence(watch, clock["id"]))["type"] == "agent.online"
    assert (await presence(watch, clock["id"]))["type"] == "agent.offline"
    await sentinel(org, watch)


def seen(watch, agent_id):
    """Every presence event of the agent the watcher has received, in order."""
    return [f["type"] for f in watch.frames if f["type"] in PRESENCE and f["data"]["id"] == agent_id]


async def closed_on_server(hub, identity_id):
    """Wait until the hub has handled the close of every socket of this identity."""
    await eventually(lambda: all(c.identity.id != identity_id for c in hub.registry.all_connections()))


@pytest.mark.gen_test
async def test_online_on_connect_offline_once_when_the_heartbeat_ages_out(api, ws_connect, hub):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    assert agent["status"] == "offline"
    ws, _ = await open_ws(ws_connect, key)
    online = await presence(watch, agent["id"])
    assert online["type"] == "agent.online"
    assert online["data"]["id"] == agent["id"] and online["data"]["status"] == "online"
    assert online["data"]["last_heartbeat"] is not None  # connecting counts as a heartbeat
    stored = Agent.get_by_id(agent["id"])
    assert stored.status == "online" and stored.last_heartbeat
    ws.close()
    offline = await presence(watch, agent["id"])
    assert offline["type"] == "agent.offline" and offline["data"]["status"] == "offline"
    assert offline["seq"] > online["seq"]
    await after_a_later_round(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online", "agent.offline"]
    assert agent_status(agent["id"]) == "offline"
    fetched = await api.ok("GET", f"/api/v1/agents/{agent['id']}", token=org.token)
    assert fetched["status"] == "offline"


@pytest.mark.gen_test
async def test_two_sockets_one_transition_each_way(api, ws_connect, hub):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    first, _ = await open_ws(ws_connect, key)
    second, _ = await open_ws(ws_connect, key)
    first.close()
    await eventually(lambda: len(hub.registry.connections_of_agent(agent["id"])) == 1)
    await sentinel(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online"]
    assert agent_status(agent["id"]) == "online"
    second.close()
    assert (await presence(watch, agent["id"]))["type"] == "agent.offline"
    await after_a_later_round(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online", "agent.offline"]


@pytest.mark.gen_test
async def test_users_have_no_presence_events(api, ws_connect, hub):
    org, watch = await watcher(api, ws_connect)
    member, member_token = await org.user()
    other, _ = await open_ws(ws_connect, member_token)
    other.close()
    await closed_on_server(hub, member["id"])
    await after_a_later_round(org, watch)
    assert [f for f in watch.frames if f["type"] in PRESENCE and f["data"]["name"] != "clock"] == []


@pytest.mark.gen_test
async def test_rest_heartbeat_keeps_an_agent_online_and_silence_takes_it_offline(api, ws_connect, config):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    beat = f"/api/v1/agents/{agent['id']}/heartbeat"
    assert await api.ok("POST", beat, {}, token=key) == {"ok": True}
    online = await presence(watch, agent["id"])
    assert online["type"] == "agent.online" and online["data"]["status"] == "online"
    # Beating faster than the timeout: online throughout, no further event.
    for _ in range(5):
        await asyncio.sleep(0.5 / 3)
        await api.ok("POST", beat, {}, token=key)
    await sentinel(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online"]
    assert agent_status(agent["id"]) == "online"
    # Then silence: the sweep takes it offline, once.
    assert (await presence(watch, agent["id"]))["type"] == "agent.offline"
    await after_a_later_round(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online", "agent.offline"]
    assert agent_status(agent["id"]) == "offline"


@pytest.mark.gen_test
async def test_ws_heartbeat_counts_as_the_agents_heartbeat(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key)
    await presence(watch, agent["id"])
    first = Agent.get_by_id(agent["id"]).last_heartbeat
    await asyncio.sleep(0.6)  # more than half the heartbeat interval: the next beat is written
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")
    await eventually(lambda: Agent.get_by_id(agent["id"]).last_heartbeat > first)
    assert parse_iso(Agent.get_by_id(agent["id"]).last_heartbeat) > parse_iso(first)


@pytest.mark.gen_test
async def test_connected_agent_is_never_swept(api, ws_connect):
    """The sweep only takes agents with no socket: one that is connected stays online past the
    heartbeat timeout while its socket is open."""
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key)
    await presence(watch, agent["id"])
    # Past the timeout (its heartbeat is its connect), through several later rounds.
    await after_a_later_round(org, watch)
    await after_a_later_round(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online"]
    assert agent_status(agent["id"]) == "online"


@pytest.mark.gen_test
async def test_busy_is_an_update_not_a_transition(api, ws_connect, hub):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key)
    await presence(watch, agent["id"])
    beat = f"/api/v1/agents/{agent['id']}/heartbeat"
    await api.ok("POST", beat, {"status": "busy"}, token=key)
    update = await watch.expect("agent.updated")
    assert update["data"]["status"] == "busy"
    # A WS heartbeat keeps it busy; a second socket does not make it "online" again.
    await asyncio.sleep(0.6)
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")
    again, _ = await open_ws(ws_connect, key)
    await sentinel(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online"]
    assert agent_status(agent["id"]) == "busy"
    await api.ok("POST", beat, {"status": "online"}, token=key)
    assert (await watch.expect("agent.updated"))["data"]["status"] == "online"
    ws.close()
    again.close()
    assert (await presence(watch, agent["id"]))["type"] == "agent.offline"
    await after_a_later_round(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online", "agent.offline"]


@pytest.mark.gen_test
async def test_busy_agent_that_goes_silent_is_swept_offline(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    await api.ok("POST", f"/api/v1/agents/{agent['id']}/heartbeat", {"status": "busy"}, token=key)
    online = await presence(watch, agent["id"])
    assert online["type"] == "agent.online" and online["data"]["status"] == "busy"
    offline = await presence(watch, agent["id"])
    assert offline["type"] == "agent.offline" and offline["data"]["status"] == "offline"
    await after_a_later_round(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online", "agent.offline"]


@pytest.mark.gen_test
async def test_rest_heartbeat_offline_is_a_transition(api, ws_connect):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    beat = f"/api/v1/agents/{agent['id']}/heartbeat"
    await api.ok("POST", beat, {}, token=key)
    await presence(watch, agent["id"])
    await api.ok("POST", beat, {"status": "offline"}, token=key)
    assert (await presence(watch, agent["id"]))["type"] == "agent.offline"
    await after_a_later_round(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online", "agent.offline"]


@pytest.mark.gen_test
async def test_quick_reconnects_alternate_and_end_offline(api, ws_connect):
    """However fast an agent connects and drops (even before its `connected` frame), its
    events strictly alternate online/offline and it ends offline once no socket is left and
    its heartbeat has aged out."""
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
    await eventually(lambda: agent_status(agent["id"]) == "offline")
    await after_a_later_round(org, watch)
    kinds = seen(watch, agent["id"])
    assert all(a != b for a, b in zip(kinds, kinds[1:])), kinds
    assert kinds and kinds[0] == "agent.online" and kinds[-1] == "agent.offline", kinds
    assert agent_status(agent["id"]) == "offline"


@pytest.mark.gen_test
async def test_deleted_agent_has_no_offline_after_its_deletion(api, ws_connect, hub):
    org, watch = await watcher(api, ws_connect)
    agent, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key)
    await presence(watch, agent["id"])
    await api.ok("DELETE", f"/api/v1/agents/{agent['id']}", token=org.token)
    await watch.expect("agent.deleted")
    assert (await ws.closed())[0] == 4003
    await closed_on_server(hub, agent["id"])
    await after_a_later_round(org, watch)
    assert seen(watch, agent["id"]) == ["agent.online"]


class TestAFreshHeartbeatOutlivesTheSocket:
    """Issue: an agent whose REST heartbeat was a second old showed offline as soon as its
    last socket closed. A longer timeout here, so that the steps between the heartbeat and the
    sentinel cannot outlast it even on a slow machine."""

    @pytest.fixture
    def config_overrides(self):
        return {"heartbeat_interval": 1.0, "presence_timeout": 2.0}

    @pytest.mark.gen_test(timeout=30)
    async def test_closing_the_last_socket_keeps_an_agent_with_a_fresh_heartbeat_online(self, api, ws_connect, hub):
        org, watch = await watcher(api, ws_connect)
        agent, key = await org.agent()
        await api.ok("POST", f"/api/v1/agents/{agent['id']}/heartbeat", {}, token=key)
        assert (await presence(watch, agent["id"]))["type"] == "agent.online"
        ws, _ = await open_ws(ws_connect, key)
        ws.close()
        await closed_on_server(hub, agent["id"])
        await sentinel(org, watch)
        assert seen(watch, agent["id"]) == ["agent.online"]  # no agent.offline at the close
        fetched = await api.ok("GET", f"/api/v1/agents/{agent['id']}", token=org.token)
        assert fetched["status"] == "online"
        # Once the heartbeat has aged out: offline, exactly once.
        offline = await presence(watch, agent["id"])
        assert offline["type"] == "agent.offline"
        assert parse_iso(offline["timestamp"]) >= parse_iso(fetched["last_heartbeat"])
        await after_a_later_round(org, watch)
        assert seen(watch, agent["id"]) == ["agent.online", "agent.offline"]
        assert agent_status(agent["id"]) == "offline"


class TestFlapping:
    """A client that connects and drops in a loop (a crash loop, a bad network) must not
    turn each cycle into two events stored for a day and sent to the whole organization:
    each connect is a heartbeat, and a close with a fresh heartbeat changes nothing."""

    CYCLES = 300

    @pytest.fixture
    def config_overrides(self):
        return {"heartbeat_interval": 5.0, "presence_timeout": 30.0}

    @pytest.mark.gen_test(timeout=120)
    async def test_connect_close_cycles_of_one_key_make_at_most_one_online_event(self, api, ws_connect, hub):
        org, watch = await watcher(api, ws_connect)
        agent, key = await org.agent()
        for i in range(self.CYCLES):
            ws = await ws_connect(token=key)
            if i % 3 == 0:
                await ws.expect("connected")
            if i % 2:
                ws.conn.protocol.stream.close()  # dropped, no close frame
            else:
                ws.close()
            if i % 50 == 0:
                await watch.send({"type": "heartbeat"})  # the watcher is no idle socket
        await closed_on_server(hub, agent["id"])
        await sentinel(org, watch)
        assert seen(watch, agent["id"]) == ["agent.online"]
        assert agent_status(agent["id"]) == "online"
