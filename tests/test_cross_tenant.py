"""A cross-tenant walk: with a second organization's credentials (a person and an agent),
call every operation of the OpenAPI route table with the first organization's ids in every
path and id field, list and search everything, and listen to every event over /ws, live and
replayed. Nothing of the first organization may come back, and nothing of it may change.

Driven by the operations the OpenAPI document reads from the app's routes, so an endpoint
added to the API is walked too."""

import json
import re

import pytest

from agenthq import openapi
from agenthq.validation import Choice, Id, Int, Object, Str, StrList
from tests.support import eventually

API = "/api/v1"
MARK = "quokkamarker"  # a word only the first organization writes


@pytest.fixture
def config_overrides():
    return {"rest_rate": 0}


async def populate(api, ws_connect, mark):
    org = await api.register()
    agent, key = await org.agent(f"{mark}-bot", description=mark, capabilities=[mark])
    general = await org.channel_id()
    post = await org.post(f"{mark} public", token=key)
    reply = await org.post(f"{mark} reply", parent_id=post["id"])
    private = await api.ok("POST", f"{API}/channels", {"name": f"{mark}-hidden", "type": "private",
                                                       "description": mark}, token=org.token, status=201)
    secret = await org.post(f"{mark} secret", channel=private["id"])
    await api.ok("POST", f"{API}/activity", {"action": f"{mark}.note", "details": {"m": mark}}, token=key, status=201)
    # A DM, a reaction, a pin and an edit (SPEC §10-11).
    dm = await api.ok("POST", f"{API}/dm", {"member_id": agent["id"], "member_type": "agent"}, token=org.token,
                      status=201)
    await org.post(f"{mark} direct", channel=dm["id"], token=key)
    await api.ok("POST", f"{API}/posts/{post['id']}/reactions", {"emoji": "eyes"}, token=org.token, status=201)
    await api.ok("POST", f"{API}/posts/{post['id']}/pin", token=org.token)
    await api.ok("PATCH", f"{API}/posts/{reply['id']}", {"content": f"{mark} reply, edited"}, token=org.token)
    return {"org": org, "agent": agent, "key": key, "general": general, "post": post, "reply": reply,
            "private": private["id"], "secret": secret, "dm": dm["id"]}


def foreign_ids(a):
    return {a["org"].id, a["org"].owner["id"], a["agent"]["id"], a["general"], a["post"]["id"], a["reply"]["id"],
            a["private"], a["secret"]["id"], a["dm"]}


def path_value(name, a):
    return {"agent_id": a["agent"]["id"], "channel_id": a["general"], "post_id": a["post"]["id"],
            "user_id": a["org"].owner["id"], "emoji": "eyes"}[name]


def body_for(schema, a):
    """A body that would be valid, with the first organization's ids in every id field."""
    ids = {"channel_id": a["general"], "parent_id": a["post"]["id"], "member_id": a["org"].owner["id"]}
    body = {}
    for name, field in schema.fields.items():
        if isinstance(field, Id):
            body[name] = ids.get(name, a["post"]["id"])
        elif isinstance(field, Choice):
            body[name] = "user" if name == "member_type" else field.choices[0]
        elif isinstance(field, Object):
            body[name] = {"k": "v"}
        elif isinstance(field, StrList):
            body[name] = ["walker"]
        elif isinstance(field, Int):
            body[name] = field.minimum or 1
        elif isinstance(field, Str):
            body[name] = "walker-value-123" if not field.pattern else "walker"
    return body


def query_for(schema, a):
    values = {"channel_id": a["general"], "author_id": a["agent"]["id"], "actor_id": a["org"].owner["id"],
              "q": MARK, "capabilities": MARK, "action": f"{MARK}.note"}
    return "&".join(f"{name}={values[name]}" for name in schema.fields if name in values)


async def snapshot(api, a):
    token = a["org"].token

    async def get(path):
        return await api.ok("GET", f"{API}{path}", token=token)

    return {
        "org": await get("/org"), "agents": await get("/agents?limit=100"), "channels": await get("/channels?limit=100"),
        "posts": await get("/posts?limit=100"), "activity": await get("/activity?limit=100"),
        "private": await get(f"/channels/{a['private']}/posts?limit=100"), "me": await get("/auth/me"),
        "key": await api.ok("GET", f"{API}/auth/me", token=a["key"]),
    }


def assert_nothing_of(text, a, where):
    assert MARK not in text, (where, text[:500])
    for foreign in foreign_ids(a):
        assert foreign not in text, (where, foreign, text[:500])


@pytest.mark.gen_test(timeout=90)
async def test_every_operation_with_another_orgs_ids_finds_and_changes_nothing(api, ws_connect, app):
    a = await populate(api, ws_connect, MARK)
    b = await populate(api, ws_connect, "wombat")
    before = await snapshot(api, a)
    walked = 0
    for token in (b["org"].token, b["key"]):
        for op in openapi.operations(openapi.app_routes(app)):
            if op.path in ("/health", f"{API}/openapi.json"):
                continue
            path = re.sub(r"{(\w+)}", lambda m: path_value(m.group(1), a), op.path)
            if op.query is not None and query_for(op.query, a):
                path += "?" + query_for(op.query, a)
            body = body_for(op.body, a) if op.body is not None else None
            status, payload = await api.call(op.method, path, body, token=token)
            walked += 1
            assert status != 500, (op.method, path, payload)
            assert_nothing_of(json.dumps(payload), a, (op.method, path))
            if "{" in op.path:  # a path that names the first organization's resource: not there
                assert status in (403, 404), (op.method, path, payload)
        # Sign-in and refresh with the first organization's name in them lead nowhere either.
        status, payload = await api.call("POST", f"{API}/auth/refresh", {"refreshToken": token})
        assert status == 401
    assert walked >= 2 * 28
    # The first organization is exactly as it was (its own activity log included).
    assert await snapshot(api, a) == before


@pytest.mark.gen_test(timeout=90)
async def test_no_event_of_another_org_is_heard_live_or_replayed(api, hub, ws_connect):
    a = await populate(api, ws_connect, MARK)
    b = await populate(api, ws_connect, "wombat")
    listeners = []
    for token in (b["org"].token, b["key"]):
        ws = await ws_connect(token=token)
        await ws.expect("connected")
        for channel in (a["general"], a["private"]):
            await ws.send({"type": "subscribe", "channel": channel, "since": 0})
            error = await ws.expect("error")
            assert error["code"] == "NOT_FOUND" and error["channel"] == channel
        await ws.send({"type": "subscribe", "channel": b["general"]})
        await ws.expect("subscribed")
        ws.frames.clear()  # the refusals above name the ids the listener itself asked for
        listeners.append(ws)

    # The first organization does everything that makes an event.
    own_ws = await ws_connect(token=a["key"])  # agent.online
    await own_ws.expect("connected")
    post = await a["org"].post(f"{MARK} live")
    await api.ok("PATCH", f"{API}/posts/{post['id']}", {"content": f"{MARK} edited"}, token=a["org"].token)
    await api.ok("DELETE", f"{API}/posts/{post['id']}", token=a["org"].token)
    await api.ok("POST", f"{API}/channels", {"name": f"{MARK}-new"}, token=a["org"].token, status=201)
    await api.ok("POST", f"{API}/channels", {"name": f"{MARK}-new-private", "type": "private"},
                 token=a["org"].token, status=201)
    await api.ok("PATCH", f"{API}/agents/{a['agent']['id']}", {"description": f"{MARK} changed"}, token=a["key"])
    kept = a["post"]["id"]
    await api.ok("POST", f"{API}/posts/{kept}/reactions", {"emoji": "ok"}, token=a["key"], status=201)
    await api.ok("DELETE", f"{API}/posts/{kept}/reactions/ok", token=a["key"])
    await api.ok("DELETE", f"{API}/posts/{kept}/pin", token=a["org"].token)
    member, _ = await a["org"].user()
    await api.ok("POST", f"{API}/dm", {"member_id": member["id"], "member_type": "user"}, token=a["key"], status=201)
    own_ws.close()
    # Whatever the close writes (presence) is queued once the hub has dropped the socket, so
    # the sentinel below is written, and sent, after it.
    await eventually(lambda: not hub.registry.connections_of_agent(a["agent"]["id"]))
    extra, _ = await a["org"].agent(f"{MARK}-temp")
    await api.ok("DELETE", f"{API}/agents/{extra['id']}", token=a["org"].token)

    # Then the second organization posts: once that arrives, anything of the first would have.
    sentinel = await b["org"].post("sentinel")
    for ws in listeners:
        event = await ws.expect("post.created")
        while event["data"]["id"] != sentinel["id"]:
            event = await ws.expect("post.created")
        assert_nothing_of(json.dumps(ws.frames), a, "live frames")

    # Replays from the very beginning: org-wide and the channel.
    for token in (b["org"].token, b["key"]):
        ws = await ws_connect(token=token, since=0)
        await ws.expect("connected")
        await ws.send({"type": "subscribe", "channel": b["general"], "since": 0})
        await ws.expect("subscribed")
        seen = set()
        while sentinel["id"] not in seen:
            frame = await ws.recv()
            if frame["type"] == "post.created":
                seen.add(frame["data"]["id"])
        await ws.send({"type": "heartbeat"})
        await ws.expect("heartbeat_ack")
        assert_nothing_of(json.dumps(ws.frames), a, "replayed frames")
        assert b["post"]["id"] in seen  # the replay did run
