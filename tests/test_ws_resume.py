"""Lossless resume: a client that drops and comes back with `since` gets every event it missed,
once, in order, then the live ones, with no gap and no duplicate, also when events are
written during its replay; resync_required when the log cannot cover the gap."""

import asyncio
import threading

import pytest

from agenthq.models import Event
from agenthq.services import agents, stream
from tests.support import bulk, bulk_posts, eventually, nothing_more, open_ws, owner_identity, subscribe


def post_seqs(frames):
    return [f["seq"] for f in frames if f["type"].startswith("post.")]


async def collect(ws, count, types=("post.created",), timeout=20):
    """The next `count` frames of the given types (others are ignored), in arrival order."""
    loop = asyncio.get_running_loop()
    deadline, got = loop.time() + timeout, []
    while len(got) < count:
        frame = await ws.recv(max(0.01, deadline - loop.time()))
        assert frame is not None, f"closed after {len(got)} of {count}"
        if frame["type"] in types:
            got.append(frame)
    return got


# -- channel resume ----------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_drop_and_resume_a_channel(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)
    await org.post("before 1")
    last = (await ws.expect("post.created"))["seq"]
    ws.close()

    missed = [await org.post(f"away {i}") for i in range(5)]
    await org.post("elsewhere", "updates")  # another channel: not part of this replay
    edited = await api.ok("PATCH", f"/api/v1/posts/{missed[0]['id']}", {"content": "edited"}, token=org.token)
    await api.ok("DELETE", f"/api/v1/posts/{missed[1]['id']}", token=org.token)

    back, _ = await open_ws(ws_connect, org.token)
    reply = await subscribe(back, general, since=last)
    assert reply["channel"] == general
    replay = await collect(back, 7, ("post.created", "post.updated", "post.deleted"))
    assert [f["type"] for f in replay] == ["post.created"] * 5 + ["post.updated", "post.deleted"]
    assert [f["data"]["id"] for f in replay[:5]] == [p["id"] for p in missed]
    assert replay[5]["data"] == edited and replay[6]["data"]["id"] == missed[1]["id"]
    seqs = post_seqs(replay)
    assert seqs == sorted(seqs) and len(set(seqs)) == 7 and seqs[0] > last
    assert all(f["channel"] == general for f in replay)
    live = await org.post("live again")
    event = await back.expect("post.created")
    assert event["data"]["id"] == live["id"] and event["seq"] > seqs[-1]
    await nothing_more(back)


@pytest.mark.gen_test
async def test_resume_with_nothing_missed_sends_nothing_but_live(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, hello = await open_ws(ws_connect, org.token)
    await subscribe(ws, general, since=hello["data"]["seq"])
    await nothing_more(ws)
    post = await org.post("live")
    assert (await ws.expect("post.created"))["data"]["id"] == post["id"]
    await nothing_more(ws)


@pytest.mark.gen_test
async def test_posts_between_connect_and_subscribe_are_recovered_with_the_connected_seq(api, ws_connect):
    """The natural client: connect, load state, then subscribe with since = connected.seq."""
    org = await api.register()
    general = await org.channel_id()
    ws, hello = await open_ws(ws_connect, org.token)
    early = await org.post("before the subscribe")
    await subscribe(ws, general, since=hello["data"]["seq"])
    assert (await ws.expect("post.created"))["data"]["id"] == early["id"]
    late = await org.post("after the subscribe")
    assert (await ws.expect("post.created"))["data"]["id"] == late["id"]
    await nothing_more(ws)


@pytest.mark.gen_test
async def test_since_zero_replays_the_whole_channel(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    made = [await org.post(f"p{i}") for i in range(3)]
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general, since=0)
    replay = await collect(ws, 3)
    assert [f["data"]["id"] for f in replay] == [p["id"] for p in made]
    await nothing_more(ws)


@pytest.mark.gen_test(timeout=60)
async def test_post_written_during_a_long_replay_is_neither_lost_nor_doubled(api, ws_connect, hub, monkeypatch):
    """Thousands of missed events replayed in small batches while new posts keep arriving:
    every event once, in seq order, replayed and live alike. The replay is held at its third
    batch until ten posts are in, so they certainly land mid-replay (each both in the log the
    replay goes on to read and in the live stream); ten more race its remaining batches."""
    monkeypatch.setattr(stream, "REPLAY_BATCH", 100)
    gate, reads = threading.Event(), []
    replay = stream.channel_replay

    def gated_replay(identity, channel_id, since):
        reads.append(since)
        if len(reads) == 3:
            gate.wait(20)  # on a database reader thread, like the real read
        return replay(identity, channel_id, since)

    monkeypatch.setattr(stream, "channel_replay", gated_replay)
    org = await api.register()
    general = await org.channel_id()
    ws, hello = await open_ws(ws_connect, org.token)
    start = hello["data"]["seq"]
    ws.close()
    missed = await bulk_posts(hub, org, general, 2000)

    back, _ = await open_ws(ws_connect, org.token)
    await back.send({"type": "subscribe", "channel": general, "since": start})
    await eventually(lambda: len(reads) >= 3)
    live = [await org.post(f"during {i}") for i in range(10)]
    gate.set()
    live += [await org.post(f"racing {i}") for i in range(10)]
    frames = await collect(back, len(missed) + len(live), timeout=50)
    ids = [f["data"]["id"] for f in frames]
    assert ids == [p["id"] for p in missed] + [p["id"] for p in live]
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    await nothing_more(back)


@pytest.mark.gen_test(timeout=60)
async def test_live_posts_racing_the_replay_boundary(api, ws_connect, hub):
    """Posts fired at the very moment of the subscribe (no await between them): whichever side
    of the replay's read each one lands on, it is delivered exactly once."""
    org = await api.register()
    general = await org.channel_id()
    ws, hello = await open_ws(ws_connect, org.token)
    start = hello["data"]["seq"]
    ws.close()
    missed = await bulk_posts(hub, org, general, 300)
    back, _ = await open_ws(ws_connect, org.token)
    send = back.send({"type": "subscribe", "channel": general, "since": start})
    racing = [org.post(f"race {i}") for i in range(10)]
    results = await asyncio.gather(send, *racing)
    live = results[1:]
    frames = await collect(back, len(missed) + len(live), timeout=30)
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert sorted(f["data"]["id"] for f in frames) == sorted(p["id"] for p in missed + live)
    await nothing_more(back)


# -- org resume (?since= on connect) -----------------------------------------------------------


@pytest.mark.gen_test
async def test_since_on_connect_replays_org_events(api, ws_connect):
    org = await api.register()
    _, member_token = await org.user("member")
    member_ws, member_hello = await open_ws(ws_connect, member_token)
    owner_ws, owner_hello = await open_ws(ws_connect, org.token)
    since = owner_hello["data"]["seq"]
    assert member_hello["data"]["seq"] == since
    member_ws.close()
    owner_ws.close()

    agent, _ = await org.agent("away-bot")
    public = await api.ok("POST", "/api/v1/channels", {"name": "pub", "type": "public"}, token=org.token, status=201)
    private = await api.ok("POST", "/api/v1/channels", {"name": "priv", "type": "private"}, token=org.token, status=201)
    await api.ok("PATCH", f"/api/v1/agents/{agent['id']}", {"description": "changed"}, token=org.token)
    await org.post("a post: channel events are not part of the org stream")

    owner_back, _ = await open_ws(ws_connect, org.token, since=since)
    got = await collect(owner_back, 3, ("channel.created", "agent.updated"))
    assert [(f["type"], f["data"]["id"]) for f in got] == [
        ("channel.created", public["id"]), ("channel.created", private["id"]), ("agent.updated", agent["id"]),
    ]
    assert [f["seq"] for f in got] == sorted(f["seq"] for f in got) and got[0]["seq"] > since
    await nothing_more(owner_back)
    # The member missed the same things except the private channel it is not in.
    member_back, _ = await open_ws(ws_connect, member_token, since=since)
    got = await collect(member_back, 2, ("channel.created", "agent.updated"))
    assert [(f["type"], f["data"]["id"]) for f in got] == [
        ("channel.created", public["id"]), ("agent.updated", agent["id"]),
    ]
    await nothing_more(member_back)


@pytest.mark.gen_test
async def test_since_on_connect_replays_before_live_and_after_connected(api, ws_connect):
    org = await api.register()
    ws, hello = await open_ws(ws_connect, org.token)
    since = hello["data"]["seq"]
    ws.close()
    agent, key = await org.agent()
    await api.ok("PATCH", f"/api/v1/agents/{agent['id']}", {"description": "one"}, token=org.token)
    back = await ws_connect(token=org.token, since=since)
    first = await back.recv()
    assert first["type"] == "connected"
    created = await back.recv()
    assert created["type"] == "agent.created" and created["data"]["id"] == agent["id"]
    replayed = await back.recv()
    assert replayed["type"] == "agent.updated" and replayed["data"]["description"] == "one"
    await api.ok("PATCH", f"/api/v1/agents/{agent['id']}", {"description": "two"}, token=org.token)
    live = await back.recv()
    assert live["type"] == "agent.updated" and live["data"]["description"] == "two"
    assert live["seq"] > replayed["seq"]


@pytest.mark.gen_test(timeout=60)
async def test_org_events_during_a_connect_replay_are_neither_lost_nor_doubled(api, ws_connect, hub, monkeypatch):
    monkeypatch.setattr(stream, "REPLAY_BATCH", 50)
    org = await api.register()
    agent, _ = await org.agent()
    ws, hello = await open_ws(ws_connect, org.token)
    since = hello["data"]["seq"]
    ws.close()
    path = f"/api/v1/agents/{agent['id']}"
    await bulk(hub, owner_identity(org), agents.patch, [(agent["id"], {"description": f"away {i}"}) for i in range(300)])

    async def connect():
        return await ws_connect(token=org.token, since=since)

    async def patch_meanwhile():
        for i in range(20):
            await api.ok("PATCH", path, {"description": f"during {i}"}, token=org.token)

    back, _ = await asyncio.gather(connect(), patch_meanwhile())
    frames = await collect(back, 320, ("agent.updated",), timeout=40)
    assert [f["data"]["description"] for f in frames] == [f"away {i}" for i in range(300)] + [
        f"during {i}" for i in range(20)
    ]
    seqs = [f["seq"] for f in frames]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    await nothing_more(back)


# -- resync_required ---------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_since_newer_than_the_log_asks_for_resync(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, hello = await open_ws(ws_connect, org.token)
    newest = hello["data"]["seq"]
    await ws.send({"type": "subscribe", "channel": general, "since": newest + 1000})
    await ws.expect("subscribed")
    resync = await ws.expect("resync_required")
    assert resync["channel"] == general and resync["data"]["seq"] == newest
    # Still subscribed: live events follow.
    post = await org.post("after resync")
    assert (await ws.expect("post.created"))["data"]["id"] == post["id"]

    back = await ws_connect(token=org.token, since=newest + 1000)
    await back.expect("connected")
    resync = await back.expect("resync_required")
    assert "channel" not in resync and isinstance(resync["data"]["seq"], int)


@pytest.mark.gen_test
async def test_since_from_another_org_timeline_asks_for_resync(api, ws_connect):
    """A seq is per organization: a big seq from elsewhere is not silently 'nothing missed'."""
    busy, quiet = await api.register(), await api.register()
    for i in range(3):
        await busy.post(f"b{i}")
    ws, hello = await open_ws(ws_connect, busy.token)
    seq = hello["data"]["seq"]
    q, qhello = await open_ws(ws_connect, quiet.token)
    assert qhello["data"]["seq"] < seq
    back = await ws_connect(token=quiet.token, since=seq)
    await back.expect("connected")
    await back.expect("resync_required")


@pytest.mark.gen_test
async def test_non_numeric_since_on_connect_is_a_bad_message_not_a_refusal(api, ws_connect):
    org = await api.register()
    ws = await ws_connect(token=org.token, since="yesterday")
    frames = [await ws.recv(), await ws.recv()]
    assert {f["type"] for f in frames} == {"error", "connected"}
    assert next(f for f in frames if f["type"] == "error")["code"] == "BAD_MESSAGE"
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize(
    "config_overrides", [{"event_retention": 0.5, "presence_timeout": 0.3}], indirect=True, ids=["short-retention"]
)
async def test_pruned_log_asks_for_resync(api, ws_connect, config_overrides):
    org = await api.register()
    general = await org.channel_id()
    ws, hello = await open_ws(ws_connect, org.token)
    since = hello["data"]["seq"]
    ws.close()
    await org.post("soon forgotten")
    await api.ok("POST", "/api/v1/channels", {"name": "forgotten", "type": "public"}, token=org.token, status=201)
    await eventually(lambda: Event.select().where(Event.org_id == org.id).count() == 0, timeout=10)

    back, _ = await open_ws(ws_connect, org.token)
    await subscribe(back, general, since=since)
    resync = await back.expect("resync_required")
    assert resync["channel"] == general and resync["data"]["seq"] > since
    post = await org.post("after the resync")
    assert (await back.expect("post.created"))["data"]["id"] == post["id"]

    org_back = await ws_connect(token=org.token, since=since)
    await org_back.expect("connected")
    assert "channel" not in await org_back.expect("resync_required")


@pytest.fixture
def config_overrides(request):
    return getattr(request, "param", {})
