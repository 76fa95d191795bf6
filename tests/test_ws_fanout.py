"""Fan-out in batches (agenthq/realtime.py, agenthq/ws/fanout.py): events of one channel waiting
for a later loop turn go to each socket in one write. Every socket still gets every event once,
whole, in order, with its alias behind it on an original-form connection, nothing of a channel
after it left, and a slow reader is still cut off. The registry's slice is lowered to one socket
per turn so that a few sockets and one bulk write make batches."""

import asyncio

import pytest
from tornado.websocket import websocket_connect

from agenthq.auth import Identity
from agenthq.events import CHANNEL, ORG, Event
from agenthq.batches import GROUP_EVENTS
from agenthq.realtime import Registry
from agenthq.services import posts
from tests.support import (
    RawSocket, WsClient, bulk, eventually, fast_and_slow_readers, nothing_more, open_ws, owner_identity, subscribe,
)


def settings(**overrides):
    return pytest.mark.parametrize("config_overrides", [overrides], indirect=True, ids=["cfg"])


def spy_on_batches(registry):
    """The sizes of the batches the registry hands to its delivery (it still delivers them)."""
    sizes, deliver = [], registry._deliver

    def recording(connections, events, messages, joined):
        sizes.append(len(events))
        deliver(connections, events, messages, joined)

    registry._deliver = recording
    return sizes


async def many_posts(hub, org, channel_id, count):
    """Posts of many sizes (each RFC 6455 length encoding) in one write: their events are
    published in one loop turn."""
    sizes = [0, 10, 125, 126, 3000, 65536, 70_000]
    data = [({"channel_id": channel_id, "content": f"{i} " + "x" * sizes[i % len(sizes)], "type": "update"},)
            for i in range(count)]
    return await bulk(hub, owner_identity(org), posts.create, data)


async def posts_of(ws, count, aliases=False):
    """The next `count` post.created frames, each followed by its alias if `aliases`; no other
    frame in between."""
    got = []
    while len(got) < count:
        frame = await ws.recv(timeout=20)
        assert frame is not None and frame["type"] == "post.created", frame
        got.append(frame)
        if aliases:
            alias = await ws.recv(timeout=20)
            assert alias["type"] == "post:new" and alias["seq"] == frame["seq"], alias
    return got


async def raw_posts(raw, count, timeout=20):
    """Parse the raw bytes of a socket until `count` post.created frames: a frame cut or run
    into the next would fail to parse."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    frames = []
    while len([f for f in frames if f["type"] == "post.created"]) < count:
        assert loop.time() < deadline, frames[-3:]
        frames, code, _ = raw.read_available()
        assert code is None
        await asyncio.sleep(0.01)
    return [f for f in frames if f["type"] == "post.created"]


@pytest.mark.gen_test(timeout=60)
async def test_events_published_together_reach_each_socket_whole_and_in_order(api, ws_connect, ws_url, hub, http_port):
    org = await api.register()
    general = await org.channel_id()
    plain = []
    for _ in range(3):
        ws, _ = await open_ws(ws_connect, org.token)
        await subscribe(ws, general)
        plain.append(ws)
    original = WsClient(await websocket_connect(f"{ws_url}?token={org.token}&aliases=1"))
    await original.expect("connected")
    await subscribe(original, general)
    raw = await RawSocket.connect(http_port, org.token, receive_buffer=1 << 20)
    await raw.send({"type": "subscribe", "channel": general})
    await eventually(lambda: sum(general in hub.registry.subscriptions(c) for c in hub.registry.all_connections()) == 5)

    hub.registry.slice = 1
    batches = spy_on_batches(hub.registry)
    made = await many_posts(hub, org, general, 2 * GROUP_EVENTS + 5)
    ids = [p["id"] for p in made]
    for ws in plain:
        got = await posts_of(ws, len(made))
        assert [f["data"]["id"] for f in got] == ids
        assert [f["seq"] for f in got] == sorted({f["seq"] for f in got})
    got = await posts_of(original, len(made), aliases=True)
    assert [f["data"]["id"] for f in got] == ids
    assert [f["data"]["id"] for f in await raw_posts(raw, len(made))] == ids
    assert max(batches) > 1, batches  # the batches this test is about did happen

    await eventually(lambda: hub.registry.pending() == 0)
    for ws in [*plain, original]:
        await nothing_more(ws)
    raw.close()


@pytest.mark.gen_test(timeout=60)
async def test_a_resume_while_batches_go_out_gets_each_event_once_in_order(api, ws_connect, hub):
    org = await api.register()
    general = await org.channel_id()
    live, hello = await open_ws(ws_connect, org.token)
    await subscribe(live, general)
    since = hello["data"]["seq"]
    hub.registry.slice = 1
    first = await many_posts(hub, org, general, GROUP_EVENTS)
    # Subscribes with `since` while the first posts are still going out, and more are posted.
    late, _ = await open_ws(ws_connect, org.token)
    await late.send({"type": "subscribe", "channel": general, "since": since})
    second = await many_posts(hub, org, general, GROUP_EVENTS)
    ids = [p["id"] for p in first + second]
    assert [f["data"]["id"] for f in await posts_of(live, len(ids))] == ids
    got = []
    while len(got) < len(ids):
        frame = await late.recv(timeout=20)
        assert frame is not None, got
        if frame["type"] == "post.created":
            got.append(frame["data"]["id"])
    assert got == ids
    await eventually(lambda: hub.registry.pending() == 0)
    await nothing_more(late)


@pytest.mark.gen_test(timeout=60)
@settings(ws_max_buffer=64 * 1024)
async def test_a_slow_reader_is_cut_off_while_batches_go_out(config_overrides, api, ws_connect, hub, http_port):
    org = await api.register()
    general = await org.channel_id()
    fast, slow = await fast_and_slow_readers(org, ws_connect, hub, http_port)
    hub.registry.slice = 1
    batches = spy_on_batches(hub.registry)
    made = []
    while not any(c._closed for c in hub.registry.all_connections()) and len(made) < 1000:
        batch = await bulk(hub, owner_identity(org), posts.create,
                           [({"channel_id": general, "content": "y" * 20000, "type": "update"},)] * 40)
        made.extend(batch)
        assert [f["data"]["id"] for f in await posts_of(fast, len(batch))] == [p["id"] for p in batch]
    assert len(made) < 1000, "the slow reader was never cut off"
    assert max(batches) > 1, batches
    frames, code = await slow.read_all()
    slow.close()
    assert code == 4008
    got = [f["data"]["id"] for f in frames if f["type"] == "post.created"]
    assert 0 < len(got) < len(made) and got == [p["id"] for p in made[: len(got)]]


class Fake:
    def __init__(self, name):
        self.identity = Identity("user", name, "o1", "member")
        self.got = []

    def deliver(self, event, message):
        self.got.append(event.seq)


@pytest.mark.gen_test
async def test_a_batch_goes_only_to_the_channels_subscribers_of_each_moment():
    """A socket that leaves the channel while a batch waits gets none of it after; one that
    joins gets only what was published after it joined; the rest get everything, in order."""
    registry = Registry()
    registry.slice = 1
    stays, leaves, joins = Fake("u1"), Fake("u2"), Fake("u3")
    for fake in (stays, leaves, joins):
        registry.register(fake)
    registry.subscribe(stays, "c1")
    registry.subscribe(leaves, "c1")

    def post(seq):
        registry.publish(Event("o1", seq, "post.created", CHANNEL, "c1", {"id": f"p{seq}"}, "t"))

    for seq in (1, 2, 3):
        post(seq)
    registry.unsubscribe(leaves, "c1")  # in the same turn: 2 and 3 have not gone out yet
    registry.subscribe(joins, "c1")
    post(4)
    post(5)
    while registry.pending():
        await asyncio.sleep(0)
    assert stays.got == [1, 2, 3, 4, 5]
    assert leaves.got in ([], [1])  # the first went to one socket at once (slice 1)
    assert joins.got == [4, 5]


@pytest.mark.gen_test
async def test_events_to_the_whole_organization_batch_until_a_socket_opens():
    registry = Registry()
    registry.slice = 1
    batches = spy_on_batches(registry)
    early = [Fake("u1"), Fake("u2")]
    for fake in early:
        registry.register(fake)

    def agent_event(seq):
        registry.publish(Event("o1", seq, "agent.updated", ORG, None, {"id": f"a{seq}"}, "t"))

    for seq in (1, 2, 3, 4):
        agent_event(seq)
    late = Fake("u3")
    registry.register(late)  # opened after 1-4 were published: gets none of them
    agent_event(5)
    while registry.pending():
        await asyncio.sleep(0)
    assert [fake.got for fake in early] == [[1, 2, 3, 4, 5]] * 2
    assert late.got == [5]
    assert max(batches) == 3  # 2-4 together; 5 had other recipients
