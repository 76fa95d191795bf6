"""The notification inbox (§8.2) over REST and /ws: made once per recipient per post, by
precedence; listed, counted and read by the recipient alone; its events reach and replay to
the recipient's own connections only."""

import pytest

from tests.support import nothing_more, open_ws, subscribe

API = "/api/v1"


@pytest.mark.gen_test
async def test_mention_and_reply_notifications(api):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    question = await org.post("who owns the cache?", token=scout_key)
    answer = await org.post("@scout I do " + "x" * 300, parent_id=question["id"])
    # The owner both mentions and replies to scout: one notification, the mention.
    got = await api.ok("GET", f"{API}/notifications", token=scout_key)
    assert len(got) == 1
    note = got[0]
    assert note["type"] == "mention" and note["recipient_id"] == scout["id"] and note["recipient_type"] == "agent"
    assert note["actor_id"] == org.owner["id"] and note["actor_type"] == "user"
    assert note["source_type"] == "post" and note["source_id"] == answer["id"] and note["post_id"] == answer["id"]
    assert note["channel_id"] == question["channel_id"] and note["read"] is False
    assert note["title"] == f"{org.owner['name']} mentioned you in #general"
    assert note["body"] == answer["content"][:200] + "…"
    plain = await org.post("thanks", parent_id=question["id"])
    got = await api.ok("GET", f"{API}/notifications?type=reply", token=scout_key)
    assert [(n["type"], n["post_id"], n["title"]) for n in got] == [
        ("reply", plain["id"], f"{org.owner['name']} replied in #general")]
    # Replying to one's own post notifies nobody.
    await org.post("me again", token=scout_key, parent_id=question["id"])
    assert (await api.ok("GET", f"{API}/notifications/unread-count", token=scout_key)) == {"count": 2}
    assert await api.ok("GET", f"{API}/notifications", token=org.token) == []


@pytest.mark.gen_test
async def test_read_filters_types_and_marking(api):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    first = await org.post("@scout one")
    await org.post("@scout two")
    notes = await api.ok("GET", f"{API}/notifications", token=scout_key)
    read = await api.ok("PATCH", f"{API}/notifications/{notes[1]['id']}/read", token=scout_key)
    assert read["read"] is True and read["post_id"] == first["id"]
    assert [n["id"] for n in await api.ok("GET", f"{API}/notifications?read=true", token=scout_key)] == [read["id"]]
    assert [n["id"] for n in await api.ok("GET", f"{API}/notifications?read=no", token=scout_key)] == [notes[0]["id"]]
    assert await api.ok("GET", f"{API}/notifications?type=task", token=scout_key) == []
    assert await api.ok("GET", f"{API}/notifications?type=bogus", token=scout_key) == []
    await api.error("PATCH", f"{API}/notifications/{notes[0]['id']}/read", token=org.token, code="NOT_FOUND")
    await api.error("PATCH", f"{API}/notifications/nope/read", token=scout_key, code="NOT_FOUND")
    assert await api.ok("POST", f"{API}/notifications/read-all", token=scout_key) == {"read": True, "updated": 1}
    assert await api.ok("GET", f"{API}/notifications/unread-count", token=scout_key) == {"count": 0}


@pytest.mark.gen_test
async def test_notification_events_reach_only_the_recipient(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    scout, scout_key = await org.agent("scout")
    _, member = await org.user()
    scout_ws, _ = await open_ws(ws_connect, scout_key)
    other_ws, _ = await open_ws(ws_connect, member)
    await subscribe(other_ws, general)  # subscribed to the very channel, and still hears none

    post = await org.post("@scout deploy please")
    created = await scout_ws.expect("notification.created")
    assert created["data"]["post_id"] == post["id"] and created["data"]["recipient_id"] == scout["id"]
    assert "channel" not in created
    assert (await other_ws.expect("post.created"))["data"]["id"] == post["id"]
    await nothing_more(other_ws)

    await api.ok("PATCH", f"{API}/notifications/{created['data']['id']}/read", token=scout_key)
    read = await scout_ws.expect("notification.read")
    assert read["data"] == {"ids": [created["data"]["id"]], "unread_count": 0}
    await api.ok("POST", f"{API}/notifications/read-all", token=scout_key)  # nothing left: no event
    await nothing_more(other_ws)
    await nothing_more(scout_ws)


@pytest.mark.gen_test
async def test_notifications_replay_with_since_only_to_the_recipient(api, ws_connect):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    _, member = await org.user()
    await api.ok("POST", f"{API}/channels/general/join", token=member)
    _, hello = await open_ws(ws_connect, member)
    since = hello["data"]["seq"]
    await org.post("@scout while you were away")
    await org.post("@channel sentinel for everyone")
    scout_ws, _ = await open_ws(ws_connect, scout_key, since=since)
    first = await scout_ws.expect("notification.created")
    assert first["data"]["recipient_id"] == scout["id"] and first["data"]["body"] == "@scout while you were away"
    second = await scout_ws.expect("notification.created")
    assert second["data"]["body"] == "@channel sentinel for everyone"
    # The member replays only its own: the @channel one arrives, scout's never did before it.
    member_ws, _ = await open_ws(ws_connect, member, since=since)
    frame = await member_ws.expect("notification.created")
    assert frame["data"]["body"] == "@channel sentinel for everyone"
    assert all(f["type"] != "notification.created" or f is frame for f in member_ws.frames)


@pytest.mark.gen_test
async def test_channel_mention_fans_out_to_every_member(api, ws_connect):
    org = await api.register()
    agents = [await org.agent(f"a{n}") for n in range(5)]
    sockets = [(await open_ws(ws_connect, key))[0] for _, key in agents]
    post = await org.post("@channel heads up")
    for ws, (agent, _) in zip(sockets, agents):
        frame = await ws.expect("notification.created")
        assert frame["data"]["recipient_id"] == agent["id"] and frame["data"]["post_id"] == post["id"]
        # Nothing more but presence: the five sockets' agent.online events are written in one
        # batch after they open, so they may come after the post. The ack is the sentinel.
        await ws.send({"type": "heartbeat"})
        later = []
        while (frame := await ws.recv())["type"] != "heartbeat_ack":
            later.append(frame["type"])
        assert set(later) <= {"agent.online"}, later


@pytest.mark.gen_test
async def test_deleting_a_post_removes_its_notifications_and_mentions(api):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    post = await org.post("@scout soon gone")
    await api.ok("DELETE", f"{API}/posts/{post['id']}", token=org.token)
    assert await api.ok("GET", f"{API}/notifications", token=scout_key) == []
    assert await api.ok("GET", f"{API}/mentions", token=scout_key) == []


@pytest.mark.gen_test
async def test_notifications_never_in_activity(api):
    org = await api.register()
    await org.agent("scout")
    await org.post("@scout hi")
    actions = {a["action"] for a in await api.ok("GET", f"{API}/activity", token=org.token)}
    assert not any("notification" in action for action in actions)


@pytest.mark.gen_test
async def test_dm_and_reaction_notifications_use_the_dm_hooks(api):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    dm = await api.ok("POST", f"{API}/dm", {"member_id": scout["id"], "member_type": "agent"}, token=org.token,
                      status=201)
    # dm > mention: one notification, the dm, to the other member only.
    sent = await org.post("@scout psst", channel=dm["id"])
    got = await api.ok("GET", f"{API}/notifications", token=scout_key)
    assert [(n["type"], n["source_type"], n["source_id"], n["post_id"]) for n in got] == [
        ("dm", "channel", dm["id"], sent["id"])]
    assert await api.ok("GET", f"{API}/notifications", token=org.token) == []
    # A new reaction notifies the post's author; a repeat or one's own reaction does not.
    post = await org.post("ship it", token=scout_key)
    await api.ok("POST", f"{API}/posts/{post['id']}/reactions", {"emoji": "eyes"}, token=org.token, status=201)
    await api.ok("POST", f"{API}/posts/{post['id']}/reactions", {"emoji": "eyes"}, token=org.token, status=200)
    await api.ok("POST", f"{API}/posts/{post['id']}/reactions", {"emoji": "tada"}, token=scout_key, status=201)
    got = await api.ok("GET", f"{API}/notifications?type=reaction", token=scout_key)
    assert [(n["type"], n["post_id"], n["actor_id"]) for n in got] == [("reaction", post["id"], org.owner["id"])]
    assert got[0]["title"].startswith(f"{org.owner['name']} reacted ")
