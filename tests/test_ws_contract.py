"""The /ws wire format, pinned: the exact keys of every server frame, and of every event's
data, and that each event survives a JSON round trip unchanged. Docs quote these shapes."""

import json
import re

import pytest

from tests.support import nothing_more, open_ws, subscribe

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")

POST_KEYS = {
    "id", "org_id", "channel_id", "author_id", "author_type", "type", "title", "content", "metadata",
    "parent_id", "pinned", "created_at", "updated_at", "edited_at", "pinned_at", "pinned_by", "reactions",
}
AGENT_KEYS = {
    "id", "org_id", "name", "description", "status", "last_heartbeat", "capabilities", "metadata",
    "owner_user_id", "created_at", "updated_at",
}
CHANNEL_KEYS = {"id", "org_id", "name", "description", "type", "created_by", "created_at", "updated_at"}
EVENT_DATA_KEYS = {"post": POST_KEYS, "agent": AGENT_KEYS, "channel": CHANNEL_KEYS}


def assert_reply(frame, type_, data_keys, top_keys=()):
    """A reply: type, event (a copy of type), a data object, and the named top-level copies."""
    assert set(frame) == {"type", "event", "data", *top_keys}, frame
    assert frame["type"] == frame["event"] == type_
    assert isinstance(frame["data"], dict) and set(frame["data"]) == set(data_keys), frame
    for key in top_keys:
        if key in data_keys:
            assert frame[key] == frame["data"][key], (key, frame)


def assert_event_frame(frame, type_):
    resource = type_.split(".")[0]
    keys = {"type", "event", "data", "seq", "timestamp"}
    if resource == "post" or resource == "channel":
        keys.add("channel")
    assert set(frame) == keys, frame
    assert frame["type"] == frame["event"] == type_
    assert isinstance(frame["seq"], int) and frame["seq"] > 0
    assert TIMESTAMP.match(frame["timestamp"]), frame["timestamp"]
    assert set(frame["data"]) == EVENT_DATA_KEYS[resource], (type_, sorted(frame["data"]))
    assert ID.match(frame["data"]["id"])
    if resource == "post":
        assert frame["channel"] == frame["data"]["channel_id"]
    if resource == "channel":
        assert frame["channel"] == frame["data"]["id"]
    assert json.loads(json.dumps(frame)) == frame


@pytest.mark.gen_test
async def test_connected(api, ws_connect):
    org = await api.register()
    ws, hello = await open_ws(ws_connect, org.token)
    assert_reply(hello, "connected", {"connection_id", "identity", "org_id", "seq", "heartbeat_interval"})
    data = hello["data"]
    assert set(data["identity"]) == {"type", "id"} and data["identity"]["type"] in ("user", "agent")
    assert ID.match(data["connection_id"]) and ID.match(data["org_id"]) and ID.match(data["identity"]["id"])
    assert isinstance(data["seq"], int) and isinstance(data["heartbeat_interval"], (int, float))


@pytest.mark.gen_test
async def test_subscribed_and_unsubscribed(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    assert_reply(await subscribe(ws, general), "subscribed", {"channel"}, ("channel",))
    await ws.send({"type": "unsubscribe", "channel": general})
    assert_reply(await ws.expect("unsubscribed"), "unsubscribed", {"channel"}, ("channel",))


@pytest.mark.gen_test
async def test_heartbeat_ack_has_its_timestamp_at_the_top_and_in_data(api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.send({"type": "heartbeat"})
    ack = await ws.expect("heartbeat_ack")
    assert_reply(ack, "heartbeat_ack", {"timestamp"}, ("timestamp",))
    assert TIMESTAMP.match(ack["timestamp"])


@pytest.mark.gen_test
async def test_error_frames(api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.send("nope")
    assert_reply(await ws.expect("error"), "error", {"code", "message"}, ("code", "message"))
    missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    await ws.send({"type": "subscribe", "channel": missing})
    error = await ws.expect("error")
    assert_reply(error, "error", {"code", "message", "channel"}, ("code", "message", "channel"))
    assert error["code"] == "NOT_FOUND" and error["channel"] == missing
    refused = await ws_connect(token="bad")
    error = await refused.expect("error")
    # A refusal also names REST's code for the same token (data.reason).
    assert_reply(error, "error", {"code", "message", "reason"}, ("code", "message"))
    assert error["code"] == "UNAUTHORIZED" and error["data"]["reason"] == "INVALID_TOKEN"


@pytest.mark.gen_test
async def test_resync_required(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, hello = await open_ws(ws_connect, org.token)
    await subscribe(ws, general, since=hello["data"]["seq"] + 50)
    resync = await ws.expect("resync_required")
    assert_reply(resync, "resync_required", {"seq", "channel"}, ("channel",))
    org_ws = await ws_connect(token=org.token, since=hello["data"]["seq"] + 50)
    resync = await org_ws.expect("resync_required")
    assert_reply(resync, "resync_required", {"seq"})


@pytest.mark.gen_test
# The agent goes offline once its heartbeat (its connect) is older than the presence timeout.
@pytest.mark.parametrize("config_overrides", [{"presence_timeout": 0.3}])
async def test_every_event_frame(api, ws_connect, hub, monkeypatch, config_overrides):
    """Every event type the hub publishes, as received, and as it was published: the frame on
    the wire is the event's frame, and both survive a JSON round trip unchanged."""
    published = []
    original = hub.registry.publish

    def recording(event):
        published.append(event)
        return original(event)

    monkeypatch.setattr(hub.registry, "publish", recording)
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)
    agent, key = await org.agent()
    agent_ws, _ = await open_ws(ws_connect, key)
    post = await org.post("contract", title="T", metadata={"n": [1, "two", None]})
    await api.ok("PATCH", f"/api/v1/posts/{post['id']}", {"content": "edited ✓ ünïcode"}, token=org.token)
    await api.ok("DELETE", f"/api/v1/posts/{post['id']}", token=org.token)
    await api.ok("POST", "/api/v1/channels", {"name": "public-one", "type": "public"}, token=org.token, status=201)
    await api.ok("POST", "/api/v1/channels", {"name": "private-one", "type": "private"}, token=org.token, status=201)
    await api.ok("PATCH", f"/api/v1/agents/{agent['id']}", {"capabilities": ["a", "b"]}, token=org.token)
    agent_ws.close()
    await ws.expect("agent.offline")
    await api.ok("DELETE", f"/api/v1/agents/{agent['id']}", token=org.token)

    expected = [
        "agent.created", "agent.online", "post.created", "post.updated", "post.deleted", "channel.created",
        "channel.created", "agent.updated", "agent.offline", "agent.deleted",
    ]
    received = [f for f in ws.frames if f["type"] in expected]
    while len(received) < len(expected):
        frame = await ws.recv()
        if frame["type"] in expected:
            received.append(frame)
    assert [f["type"] for f in received] == expected
    for frame in received:
        assert_event_frame(frame, frame["type"])
    by_seq = {event.seq: event for event in published}
    for frame in received:
        event = by_seq[frame["seq"]]
        assert json.loads(event.encode()) == event.frame() == frame
    await nothing_more(ws)
