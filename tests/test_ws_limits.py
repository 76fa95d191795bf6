"""Limits and faults, each with its close code: oversized message (1009), subscription cap,
inbound rate (RATE_LIMITED, then 4029), slow reader (4008, and one slow reader
never holds up the others), revoked agent (4003), shutdown (1001). Pings and idle: tests/test_ws_liveness.py."""

import asyncio

import pytest

from agenthq.models import Channel, Event, database
from tests.support import (
    RawSocket, agent_status, bulk_posts, eventually, fast_and_slow_readers, nothing_more, open_ws, subscribe,
)


@pytest.fixture
def config_overrides(request):
    return getattr(request, "param", {})


def settings(**overrides):
    """Per-test configuration: @settings(heartbeat_interval=0.3)."""
    return pytest.mark.parametrize("config_overrides", [overrides], indirect=True, ids=["cfg"])


# -- inbound message size ----------------------------------------------------------------------


def heartbeat_of_size(size):
    head, tail = '{"type": "heartbeat", "pad": "', '"}'
    return head + "x" * (size - len(head) - len(tail)) + tail


@pytest.mark.gen_test
async def test_message_at_the_size_limit_is_accepted(api, ws_connect, hub):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    assert hub.config.ws_max_message == 64 * 1024
    await ws.send(heartbeat_of_size(64 * 1024))
    await ws.expect("heartbeat_ack")


@pytest.mark.gen_test
async def test_oversized_message_closes_with_1009(api, ws_connect, hub):
    """RFC 6455's "message too big": Tornado refuses the frame before reading it in."""
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.send(heartbeat_of_size(64 * 1024 + 1))
    code, _ = await ws.closed()
    assert code == 1009
    await eventually(lambda: not hub.registry.all_connections())


@pytest.mark.gen_test
@settings(ws_max_message=1024)
async def test_size_limit_is_configurable(config_overrides, api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.send(heartbeat_of_size(1024))
    await ws.expect("heartbeat_ack")
    await ws.send(heartbeat_of_size(1025))
    assert (await ws.closed())[0] == 1009


# -- subscriptions per connection --------------------------------------------------------------


@pytest.mark.gen_test(timeout=60)
@settings(ws_rate=10000, ws_burst=10000)
async def test_five_hundred_subscriptions_then_refused(config_overrides, api, ws_connect, hub):
    org = await api.register()
    assert hub.config.ws_max_subscriptions == 500
    general = await org.channel_id()
    with database.atomic():
        extra = [Channel.create(org_id=org.id, name=f"c{i:03d}", created_by=org.owner["id"]).id for i in range(500)]
    ws, _ = await open_ws(ws_connect, org.token)
    for channel in extra:
        await ws.send({"type": "subscribe", "channel": channel})
    replies = [await ws.recv() for _ in extra]
    assert [r["type"] for r in replies] == ["subscribed"] * 500
    await ws.send({"type": "subscribe", "channel": general})
    error = await ws.expect("error")
    assert error["code"] == "TOO_MANY_SUBSCRIPTIONS" and error["channel"] == general
    # Subscribing again to one it has is no new subscription; dropping one makes room.
    await subscribe(ws, extra[0])
    await ws.send({"type": "unsubscribe", "channel": extra[1]})
    await ws.expect("unsubscribed")
    await subscribe(ws, general)
    post = await org.post("made it")
    assert (await ws.expect("post.created"))["data"]["id"] == post["id"]


@pytest.mark.gen_test
@settings(ws_max_subscriptions=2)
async def test_refused_subscription_changes_nothing(config_overrides, api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, await org.channel_id("general"))
    await subscribe(ws, await org.channel_id("updates"))
    await ws.send({"type": "subscribe", "channel": await org.channel_id("alerts")})
    assert (await ws.expect("error"))["code"] == "TOO_MANY_SUBSCRIPTIONS"
    await org.post("unheard", "alerts")
    heard = await org.post("heard", "updates")
    assert (await ws.expect("post.created"))["data"]["id"] == heard["id"]
    await nothing_more(ws)


# -- inbound rate ------------------------------------------------------------------------------


@pytest.mark.gen_test
@settings(ws_rate=2, ws_burst=5)
async def test_rate_limit_answers_then_recovers(config_overrides, api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    for _ in range(7):
        await ws.send({"type": "heartbeat"})
    replies = [await ws.recv() for _ in range(7)]
    assert [r["type"] for r in replies[:5]] == ["heartbeat_ack"] * 5
    assert all(r["type"] == "error" and r["code"] == "RATE_LIMITED" for r in replies[5:]), replies[5:]
    await asyncio.sleep(0.6)  # the bucket refills at 2 per second
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")


@pytest.mark.gen_test
@settings(ws_rate=2, ws_burst=5)
async def test_rate_limit_closes_with_4029_if_it_persists(config_overrides, api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    for _ in range(30):
        await ws.send({"type": "heartbeat"})
    code, _ = await ws.closed()
    assert code == 4029
    kinds = [f.get("code", f["type"]) for f in ws.frames[1:]]
    assert kinds[:5] == ["heartbeat_ack"] * 5 and set(kinds[5:]) == {"RATE_LIMITED"}


# -- slow readers ------------------------------------------------------------------------------


BIG = "x" * 20000


@pytest.mark.gen_test(timeout=60)
@settings(ws_max_buffer=64 * 1024)
async def test_slow_reader_is_closed_with_4008_and_others_keep_receiving(config_overrides, api, ws_connect, hub, http_port):
    org = await api.register()
    general = await org.channel_id()
    fast, slow = await fast_and_slow_readers(org, ws_connect, hub, http_port)

    made = []
    while not any(c._closed for c in hub.registry.all_connections()) and len(made) < 1000:
        # 1 MB at a time; the fast reader takes each round in full while the slow one's
        # queue grows.
        batch = await bulk_posts(hub, org, general, 50, content=BIG)
        made.extend(batch)
        for post in batch:
            assert (await fast.expect("post.created"))["data"]["id"] == post["id"]
    assert len(made) < 1000, "the slow reader was never cut off"
    for _ in range(3):
        made.append(await org.post(BIG))
        assert (await fast.expect("post.created"))["data"]["id"] == made[-1]["id"]

    frames, code = await slow.read_all()
    slow.close()
    assert code == 4008
    got = [f for f in frames if f["type"] == "post.created"]
    assert 0 < len(got) < len(made)
    assert [f["data"]["id"] for f in got] == [p["id"] for p in made[: len(got)]]
    await eventually(lambda: len(hub.registry.all_connections()) == 1)

    # It resumes with `since` and gets the rest, once each, in order.
    back, _ = await open_ws(ws_connect, org.token)
    await subscribe(back, general, since=got[-1]["seq"])
    rest = []
    while len(rest) < len(made) - len(got):
        frame = await back.expect("post.created")
        rest.append(frame["data"]["id"])
    assert rest == [p["id"] for p in made[len(got):]]
    await nothing_more(back)


# A replay bigger than what the kernel's loopback buffers take in one go (about 4 MB here), so
# that the server's own outbound queue is what holds the rest.
REPLAY_POSTS = 300  # x 20 KB = 6 MB


@pytest.mark.gen_test(timeout=60)
@settings(ws_max_buffer=256 * 1024)
async def test_replay_larger_than_the_buffer_reaches_a_prompt_reader(config_overrides, api, ws_connect, hub):
    """The cap is for readers that fall behind, not for a resume: a replay many times the cap
    must reach a client that reads it, or that client could never catch up (cut off, resume,
    cut off again)."""
    org = await api.register()
    general = await org.channel_id()
    ws, hello = await open_ws(ws_connect, org.token)
    ws.close()
    made = await bulk_posts(hub, org, general, REPLAY_POSTS, content=BIG)
    back, _ = await open_ws(ws_connect, org.token)
    await subscribe(back, general, since=hello["data"]["seq"])
    ids = []
    while len(ids) < len(made):
        frame = await back.recv(10)
        assert frame is not None, f"closed {back.conn.close_code} after {len(ids)} of {len(made)}"
        ids.append(frame["data"]["id"])
    assert ids == [p["id"] for p in made]
    live = await org.post("live after the replay")
    assert (await back.expect("post.created"))["data"]["id"] == live["id"]


@pytest.mark.gen_test(timeout=60)
@settings(ws_max_buffer=256 * 1024)
async def test_reader_that_stalls_during_a_replay_is_cut_off(config_overrides, api, ws_connect, hub, http_port):
    """A client that stops reading in the middle of its replay while live events keep coming
    is cut off with 4008, not held in memory for ever; what it did read is in order."""
    org = await api.register()
    general = await org.channel_id()
    _, hello = await open_ws(ws_connect, org.token)
    made = await bulk_posts(hub, org, general, REPLAY_POSTS, content=BIG)
    slow = await RawSocket.connect(http_port, org.token)
    await slow.send({"type": "subscribe", "channel": general, "since": hello["data"]["seq"]})

    def slow_one():
        return [c for c in hub.registry.all_connections() if general in hub.registry.subscriptions(c)]

    await eventually(lambda: slow_one())
    for _ in range(100):
        if not slow_one() or slow_one()[0]._closed:
            break
        made.append(await org.post(BIG))
    frames, code = await slow.read_all()
    slow.close()
    assert code == 4008
    got = [f["data"]["id"] for f in frames if f["type"] == "post.created"]
    assert 0 < len(got) < len(made) and got == [p["id"] for p in made[: len(got)]]


# -- revoked agents ----------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_key_rotation_closes_the_agents_sockets_with_4003(api, ws_connect):
    org = await api.register()
    agent, key = await org.agent("rotated")
    other, other_key = await org.agent("bystander")
    first, _ = await open_ws(ws_connect, key)
    second, _ = await open_ws(ws_connect, key)
    bystander, _ = await open_ws(ws_connect, other_key)
    owner, _ = await open_ws(ws_connect, org.token)
    rotated = await api.ok("POST", f"/api/v1/agents/{agent['id']}/rotate-key", token=org.token)
    for ws in (first, second):
        assert (await ws.closed())[0] == 4003
    for ws in (bystander, owner):
        await ws.send({"type": "heartbeat"})
        await ws.expect("heartbeat_ack")
    # The new key works.
    again, hello = await open_ws(ws_connect, rotated["apiKey"])
    assert hello["data"]["identity"]["id"] == agent["id"]


@pytest.mark.gen_test
async def test_agent_deletion_closes_its_sockets_with_4003(api, ws_connect):
    org = await api.register()
    agent, key = await org.agent("deleted")
    ws, _ = await open_ws(ws_connect, key)
    owner, _ = await open_ws(ws_connect, org.token)
    await api.ok("DELETE", f"/api/v1/agents/{agent['id']}", token=org.token)
    assert (await ws.closed())[0] == 4003
    await owner.expect("agent.deleted")
    await owner.send({"type": "heartbeat"})
    await owner.expect("heartbeat_ack")


# -- shutdown ----------------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_shutdown_flushes_queued_frames_then_closes_with_1001(api, ws_connect, hub):
    org = await api.register()
    general = await org.channel_id()
    agent, key = await org.agent()
    sockets = [(await open_ws(ws_connect, token))[0] for token in (org.token, org.token, key)]
    for ws in sockets:
        await subscribe(ws, general)
    made = [await org.post(f"before shutdown {i}") for i in range(20)]
    # The clients read (and answer the close) while the hub shuts down, as live ones do.
    results = await asyncio.gather(hub.shutdown(5), *(ws.closed() for ws in sockets))
    assert not hub.registry.all_connections()
    for ws, (code, _) in zip(sockets, results[1:]):
        assert code == 1001
        got = [f["data"]["id"] for f in ws.frames if f["type"] == "post.created"]
        assert got == [p["id"] for p in made]
    # docs/realtime.md: a shutdown does not mark agents offline (they reconnect to the
    # restarted hub within seconds; the sweep catches those that do not).
    assert agent_status(agent["id"]) == "online"
    assert not Event.select().where((Event.org_id == org.id) & (Event.type == "agent.offline")).exists()


@pytest.mark.gen_test
async def test_shutdown_also_closes_sockets_still_authenticating(api, ws_connect, hub):
    pending = await ws_connect()
    await asyncio.sleep(0.05)
    _, (code, _) = await asyncio.gather(hub.shutdown(2), pending.closed(timeout=2))
    assert code == 1001
