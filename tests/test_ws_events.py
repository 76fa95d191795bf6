"""Server -> client events: each one, who gets it, and who must not (other organizations,
non-subscribers, non-members of a private channel)."""

import pytest

from tests.support import nothing_more, open_ws, subscribe


async def setup_org(api, ws_connect):
    """An org with a subscriber of #general, a connected but unsubscribed user, and a socket
    of another org subscribed to its own #general."""
    org, other = await api.register(), await api.register()
    general = await org.channel_id()
    subscriber, _ = await open_ws(ws_connect, org.token)
    await subscribe(subscriber, general)
    _, member_token = await org.user("member")
    bystander, _ = await open_ws(ws_connect, member_token)
    stranger, _ = await open_ws(ws_connect, other.token)
    await subscribe(stranger, await other.channel_id())
    return org, general, subscriber, bystander, stranger


def assert_event(frame, type_, channel=None):
    assert frame["type"] == type_ and frame["event"] == type_, frame
    assert isinstance(frame["seq"], int) and frame["seq"] > 0
    assert isinstance(frame["timestamp"], str) and isinstance(frame["data"], dict)
    if channel:
        assert frame["channel"] == channel


# -- channel events: subscribers only ----------------------------------------------------------


@pytest.mark.gen_test
async def test_post_created_goes_to_subscribers_only(api, ws_connect):
    org, general, subscriber, bystander, stranger = await setup_org(api, ws_connect)
    post = await org.post("hello team", title="Hi", type="insight", metadata={"k": 1})
    event = await subscriber.expect("post.created")
    assert_event(event, "post.created", general)
    assert event["data"] == post
    await nothing_more(bystander)
    await nothing_more(stranger)


@pytest.mark.gen_test
async def test_post_updated_goes_to_subscribers_only(api, ws_connect):
    org, general, subscriber, bystander, stranger = await setup_org(api, ws_connect)
    post = await org.post("first draft")
    await subscriber.expect("post.created")
    edited = await api.ok("PATCH", f"/api/v1/posts/{post['id']}", {"content": "final"}, token=org.token)
    event = await subscriber.expect("post.updated")
    assert_event(event, "post.updated", general)
    assert event["data"] == edited and event["data"]["content"] == "final"
    await nothing_more(bystander)
    await nothing_more(stranger)


@pytest.mark.gen_test
async def test_post_deleted_goes_to_subscribers_only(api, ws_connect):
    org, general, subscriber, bystander, stranger = await setup_org(api, ws_connect)
    post = await org.post("oops")
    await subscriber.expect("post.created")
    await api.ok("DELETE", f"/api/v1/posts/{post['id']}", token=org.token)
    event = await subscriber.expect("post.deleted")
    assert_event(event, "post.deleted", general)
    assert event["data"]["id"] == post["id"] and event["data"]["channel_id"] == general
    await nothing_more(bystander)
    await nothing_more(stranger)


@pytest.mark.gen_test
async def test_post_in_another_channel_is_not_delivered(api, ws_connect):
    org, general, subscriber, bystander, stranger = await setup_org(api, ws_connect)
    await org.post("elsewhere", "updates")
    await nothing_more(subscriber)


@pytest.mark.gen_test
async def test_agent_post_reaches_user_and_agent_subscribers(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    author, author_key = await org.agent("author")
    listener, listener_key = await org.agent("listener")
    user_ws, _ = await open_ws(ws_connect, org.token)
    agent_ws, _ = await open_ws(ws_connect, listener_key)
    for ws in (user_ws, agent_ws):
        await subscribe(ws, general)
    post = await org.post("from an agent", token=author_key)
    for ws in (user_ws, agent_ws):
        event = await ws.expect("post.created")
        assert event["data"]["id"] == post["id"]
        assert event["data"]["author_id"] == author["id"] and event["data"]["author_type"] == "agent"


@pytest.mark.gen_test
async def test_private_channel_posts_reach_member_subscribers_only(api, ws_connect):
    org = await api.register()
    private = await api.ok("POST", "/api/v1/channels", {"name": "inner", "type": "private"}, token=org.token, status=201)
    member_ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(member_ws, private["id"])
    _, member_token = await org.user("member")
    outsider_ws, _ = await open_ws(ws_connect, member_token)
    await outsider_ws.send({"type": "subscribe", "channel": private["id"]})
    assert (await outsider_ws.expect("error"))["code"] in ("NOT_FOUND", "FORBIDDEN")
    post = await org.post("inner news", private["id"])
    assert (await member_ws.expect("post.created"))["data"]["id"] == post["id"]
    await nothing_more(outsider_ws)


# -- org events --------------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_agent_updated_goes_to_the_whole_org_only(api, ws_connect):
    org, general, subscriber, bystander, stranger = await setup_org(api, ws_connect)
    agent, key = await org.agent("profiled")
    agent_ws, _ = await open_ws(ws_connect, key)
    for ws in (subscriber, bystander):
        await ws.expect("agent.online")
    changed = await api.ok(
        "PATCH", f"/api/v1/agents/{agent['id']}", {"description": "now with docs"}, token=org.token
    )
    for ws in (subscriber, bystander, agent_ws):
        event = await ws.expect("agent.updated")
        assert_event(event, "agent.updated")
        assert "channel" not in event
        assert event["data"] == changed
    await nothing_more(stranger)


@pytest.mark.gen_test
async def test_agent_deleted_goes_to_the_whole_org_only(api, ws_connect):
    org, general, subscriber, bystander, stranger = await setup_org(api, ws_connect)
    agent, _ = await org.agent("doomed")
    await api.ok("DELETE", f"/api/v1/agents/{agent['id']}", token=org.token)
    for ws in (subscriber, bystander):
        event = await ws.expect("agent.deleted")
        assert_event(event, "agent.deleted")
        assert event["data"]["id"] == agent["id"] and event["data"]["name"] == "doomed"
        assert "key_hash" not in event["data"] and "key_prefix" not in event["data"]
    await nothing_more(stranger)


@pytest.mark.gen_test
async def test_public_channel_created_goes_to_the_whole_org_only(api, ws_connect):
    org, general, subscriber, bystander, stranger = await setup_org(api, ws_connect)
    agent, key = await org.agent()
    agent_ws, _ = await open_ws(ws_connect, key)
    channel = await api.ok("POST", "/api/v1/channels", {"name": "launch", "type": "public"}, token=org.token, status=201)
    for ws in (subscriber, bystander, agent_ws):
        event = await ws.expect("channel.created")
        assert_event(event, "channel.created", channel["id"])
        assert event["data"] == channel
    await nothing_more(stranger)


@pytest.mark.gen_test
async def test_private_channel_created_goes_to_its_members_only(api, ws_connect):
    org, general, subscriber, bystander, stranger = await setup_org(api, ws_connect)
    agent, key = await org.agent()
    agent_ws, _ = await open_ws(ws_connect, key)
    await bystander.expect("agent.online")
    await agent_ws.expect("agent.online")
    channel = await api.ok("POST", "/api/v1/channels", {"name": "secret", "type": "private"}, token=org.token, status=201)
    # The creator (the owner, whose socket is `subscriber`) is its only member.
    event = await subscriber.expect("channel.created")
    assert event["data"] == channel and event["channel"] == channel["id"]
    await nothing_more(bystander)
    await nothing_more(agent_ws)
    await nothing_more(stranger)


@pytest.mark.gen_test
async def test_private_channel_created_by_an_agent_reaches_that_agent_not_its_owner(api, ws_connect):
    org = await api.register()
    agent, key = await org.agent()
    agent_ws, _ = await open_ws(ws_connect, key)
    await agent_ws.expect("agent.online")
    owner_ws, _ = await open_ws(ws_connect, org.token)
    channel = await api.ok("POST", "/api/v1/channels", {"name": "agent-only", "type": "private"}, token=key, status=201)
    assert (await agent_ws.expect("channel.created"))["data"]["id"] == channel["id"]
    await nothing_more(owner_ws)


@pytest.mark.gen_test
async def test_every_connection_of_a_recipient_gets_the_event(api, ws_connect):
    org = await api.register()
    first, _ = await open_ws(ws_connect, org.token)
    second, _ = await open_ws(ws_connect, org.token)
    channel = await api.ok("POST", "/api/v1/channels", {"name": "both", "type": "private"}, token=org.token, status=201)
    for ws in (first, second):
        assert (await ws.expect("channel.created"))["data"]["id"] == channel["id"]


@pytest.mark.gen_test
async def test_seq_increases_across_every_kind_of_event(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, hello = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)
    agent, key = await org.agent()
    post = await org.post("one")
    await api.ok("PATCH", f"/api/v1/posts/{post['id']}", {"content": "two"}, token=org.token)
    await api.ok("POST", "/api/v1/channels", {"name": "seqs", "type": "public"}, token=org.token, status=201)
    await api.ok("PATCH", f"/api/v1/agents/{agent['id']}", {"description": "x"}, token=org.token)
    await api.ok("DELETE", f"/api/v1/posts/{post['id']}", token=org.token)
    types = ["agent.created", "post.created", "post.updated", "channel.created", "agent.updated", "post.deleted"]
    seen = [await ws.recv() for _ in types]
    assert [f["type"] for f in seen] == types
    seqs = [f["seq"] for f in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] > hello["data"]["seq"]
    await nothing_more(ws)


@pytest.mark.gen_test
async def test_events_of_one_org_never_reach_another(api, ws_connect):
    """Every kind of event an org can cause, heard by a fully subscribed socket of another."""
    org, other = await api.register(), await api.register()
    stranger, _ = await open_ws(ws_connect, other.token)
    for name in ("general", "updates", "alerts"):
        await subscribe(stranger, await other.channel_id(name))
    agent, key = await org.agent()
    agent_ws, _ = await open_ws(ws_connect, key)
    post = await org.post("ours", token=key)
    await api.ok("PATCH", f"/api/v1/posts/{post['id']}", {"content": "still ours"}, token=org.token)
    await api.ok("DELETE", f"/api/v1/posts/{post['id']}", token=org.token)
    await api.ok("POST", "/api/v1/channels", {"name": "ours", "type": "public"}, token=org.token, status=201)
    await api.ok("POST", f"/api/v1/agents/{agent['id']}/heartbeat", {"status": "busy"}, token=key)
    await api.ok("PATCH", f"/api/v1/agents/{agent['id']}", {"description": "ours"}, token=org.token)
    agent_ws.close()
    await api.ok("DELETE", f"/api/v1/agents/{agent['id']}", token=org.token)
    await nothing_more(stranger)


@pytest.mark.gen_test
async def test_member_who_leaves_a_private_channel_stops_hearing_it(api, ws_connect):
    """A subscription is checked when it is made; leaving the channel afterwards must still
    cut the socket off from its posts (the REST API already refuses to show them)."""
    org = await api.register()
    private = await api.ok("POST", "/api/v1/channels", {"name": "inner", "type": "private"}, token=org.token, status=201)
    user, token = await org.user("member")
    await api.ok(
        "POST", f"/api/v1/channels/{private['id']}/members",
        {"member_id": user["id"], "member_type": "user"}, token=org.token, status=201,
    )
    leaver, _ = await open_ws(ws_connect, token)
    stayer, _ = await open_ws(ws_connect, org.token)
    for ws in (leaver, stayer):
        await subscribe(ws, private["id"])
    await org.post("while a member", private["id"])
    assert (await leaver.expect("post.created"))["data"]["content"] == "while a member"
    await api.ok("POST", f"/api/v1/channels/{private['id']}/leave", token=token)
    post = await org.post("after leaving", private["id"])
    await stayer.expect("post.created")
    assert (await stayer.expect("post.created"))["data"]["id"] == post["id"]
    await nothing_more(leaver)


@pytest.mark.gen_test
async def test_leaving_a_public_channel_keeps_its_subscription(api, ws_connect):
    """Public channels can be followed without joining (as over REST), so leaving one changes
    nothing for a socket subscribed to it."""
    org = await api.register()
    _, token = await org.user("member")
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, token)
    await subscribe(ws, general)
    await api.ok("POST", f"/api/v1/channels/{general}/leave", token=token)
    post = await org.post("still public")
    assert (await ws.expect("post.created"))["data"]["id"] == post["id"]


@pytest.mark.gen_test
async def test_an_event_is_serialized_once_for_all_its_recipients(api, ws_connect, monkeypatch):
    from agenthq.events import Event

    org = await api.register()
    general = await org.channel_id()
    sockets = [(await open_ws(ws_connect, org.token))[0] for _ in range(4)]
    for ws in sockets:
        await subscribe(ws, general)
    calls = []
    encode = Event.encode
    monkeypatch.setattr(Event, "encode", lambda self: calls.append(self.seq) or encode(self))
    await org.post("to four")
    frames = [await ws.expect("post.created") for ws in sockets]
    assert len(calls) == 1 and {f["seq"] for f in frames} == set(calls)


def test_registry_touches_only_the_recipients():
    """The registry finds recipients through its indexes: a connection of another org, or not
    subscribed, is never even asked (its deliver would fail)."""
    from agenthq.auth import Identity
    from agenthq.events import CHANNEL, MEMBERS, ORG, Event
    from agenthq.realtime import Registry

    class Fake:
        def __init__(self, org_id, id_, touchable=True):
            self.identity = Identity("user", id_, org_id, "member")
            self.touchable, self.got = touchable, []

        def deliver(self, event, text):
            assert self.touchable, f"{self.identity.id} was touched"
            self.got.append(text)

    registry = Registry()
    subscriber, member, other_org = Fake("o1", "u1"), Fake("o1", "u2", touchable=False), Fake("o2", "u3", False)
    for fake in (subscriber, member, other_org):
        registry.register(fake)
    registry.subscribe(subscriber, "c1")
    registry.subscribe(other_org, "c9")
    post = Event("o1", 1, "post.created", CHANNEL, "c1", {"id": "p"}, "t")
    assert registry.publish(post) == 1 and len(subscriber.got) == 1
    private_post = Event("o1", 2, "post.created", CHANNEL, "c1", {"id": "p"}, "t", frozenset({"u9"}))
    assert registry.publish(private_post) == 0 and len(subscriber.got) == 1
    member.touchable = True
    secret = Event("o1", 3, "channel.created", MEMBERS, "c2", {"id": "c2"}, "t", frozenset({"u2"}))
    registry.publish(secret)
    assert len(member.got) == 1 and len(subscriber.got) == 1
    registry.publish(Event("o1", 4, "agent.updated", ORG, None, {"id": "a"}, "t"))
    assert len(member.got) == 2 and len(subscriber.got) == 2
    registry.unregister(subscriber)
    member.touchable = False
    assert registry.publish(post) == 0
