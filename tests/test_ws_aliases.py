"""Colon-named aliases (spec 6.4), end to end: an original-form connection (its first frame in
the original SDK's {event, data} form, or /ws?aliases=1) gets each event's alias right behind
it, with the same seq, timestamp and channel; other connections never see one; aliases are not
in the event log, so a resume replays none alone."""

import pytest
from tornado.websocket import websocket_connect

from agenthq.models import Event
from tests.support import WsClient, open_ws, subscribe


async def with_aliases(ws_url, token):
    ws = WsClient(await websocket_connect(f"{ws_url}?token={token}&aliases=1"))
    hello = await ws.expect("connected")
    return ws, hello


async def until_ack(ws, beat=None):
    """Every frame up to the answer to a heartbeat (the sentinel that ends a "nothing else
    arrives" check)."""
    await ws.send(beat or {"type": "heartbeat"})
    frames = []
    while True:
        frame = await ws.recv()
        assert frame is not None, frames
        if frame["type"] == "heartbeat_ack":
            return frames
        frames.append(frame)


def assert_paired(frames, aliases):
    """Each event is followed by its alias: same seq, timestamp and channel."""
    assert [f["type"] for f in frames] == [t for event, alias in aliases for t in (event, alias)], frames
    for event, alias in zip(frames[::2], frames[1::2]):
        assert alias["event"] == alias["type"]
        assert (alias["seq"], alias["timestamp"], alias.get("channel")) == (
            event["seq"], event["timestamp"], event.get("channel"))


@pytest.mark.gen_test(timeout=20)
async def test_post_aliases_reach_only_original_form_connections(api, ws_connect, ws_url):
    org = await api.register()
    general = await org.channel_id()
    seed, _ = await open_ws(ws_connect, org.token)
    await subscribe(seed, general)
    sdk, _ = await open_ws(ws_connect, org.token)
    await sdk.send({"event": "subscribe", "data": {"channel": general}})  # the original SDK's form
    await sdk.expect("subscribed")
    flagged, _ = await with_aliases(ws_url, org.token)
    await subscribe(flagged, general)

    post = await org.post("hello")
    await api.ok("PATCH", f"/api/v1/posts/{post['id']}", {"content": "hello again"}, token=org.token)
    await api.ok("DELETE", f"/api/v1/posts/{post['id']}", token=org.token)

    seed_frames = await until_ack(seed)
    assert [f["type"] for f in seed_frames] == ["post.created", "post.updated", "post.deleted"]
    expected = [("post.created", "post:new"), ("post.updated", "post:updated"), ("post.deleted", "post:deleted")]
    for ws, beat in ((sdk, {"event": "heartbeat", "data": {}}), (flagged, None)):
        frames = await until_ack(ws, beat)
        assert_paired(frames, expected)
        created, new, updated, edited, _, deleted = frames
        assert new["data"] == created["data"] and edited["data"] == updated["data"]
        assert deleted["data"]["postId"] == post["id"] and deleted["data"]["id"] == post["id"]
        assert new["channel"] == general


@pytest.mark.gen_test(timeout=20)
async def test_agent_status_alias(api, ws_connect, ws_url):
    org = await api.register()
    agent, key = await org.agent()
    watcher, _ = await with_aliases(ws_url, org.token)
    seed, _ = await open_ws(ws_connect, org.token)
    await open_ws(ws_connect, key)
    online = await watcher.expect("agent.online")
    alias = await watcher.recv()
    assert alias["type"] == "agent:status" and alias["seq"] == online["seq"]
    assert alias["data"] == {"agentId": agent["id"], "status": "online", "timestamp": online["timestamp"]}
    assert [f["type"] for f in await until_ack(seed)] == ["agent.online"]


@pytest.mark.gen_test(timeout=20)
async def test_resume_replays_events_with_their_aliases_never_an_alias_alone(api, ws_connect, ws_url):
    org = await api.register()
    general = await org.channel_id()
    _, hello = await open_ws(ws_connect, org.token)
    since = hello["data"]["seq"]
    for i in range(3):
        await org.post(f"while away {i}")
    # Aliases are never logged: a plain resume replays the events only.
    seed, _ = await open_ws(ws_connect, org.token)
    await subscribe(seed, general, since=since)
    assert [f["type"] for f in await until_ack(seed)] == ["post.created"] * 3
    assert not Event.select().where(Event.type.contains(":")).exists()
    # An original-form resume gets each replayed event followed by its alias.
    flagged, _ = await with_aliases(ws_url, org.token)
    await subscribe(flagged, general, since=since)
    assert_paired(await until_ack(flagged), [("post.created", "post:new")] * 3)
