"""@channel to many members (§8.2): the notifications of one post are written together and
their events framed from one template, so every member still gets exactly one notification
with its own id and recipient, the same over /ws, REST and a resume, and nobody else's."""

import pytest

from tests.support import open_ws

API = "/api/v1"
MEMBERS = 40


@pytest.mark.gen_test(timeout=120)
async def test_channel_mention_to_many_members_one_each_with_the_right_fields(api, ws_connect):
    org = await api.register()
    me = await api.ok("GET", f"{API}/auth/me", token=org.token)
    agents = [await org.agent(f"member-{n}") for n in range(MEMBERS)]
    sockets = [(await open_ws(ws_connect, key))[0] for _, key in agents]
    general = await org.channel_id()
    content = "@channel the release moves to noon — ünïcode, \"quotes\" and a \\ backslash"
    post = await org.post(content)
    frames = [await ws.expect("notification.created") for ws in sockets]
    ids = set()
    for frame, (agent, key) in zip(frames, agents):
        assert set(frame) == {"type", "event", "data", "seq", "timestamp"} and frame["event"] == frame["type"]
        note = frame["data"]
        assert {k: note[k] for k in ("recipient_id", "recipient_type", "type", "source_id", "source_type",
                                     "actor_id", "actor_type", "channel_id", "post_id", "body", "read")} == {
            "recipient_id": agent["id"], "recipient_type": "agent", "type": "mention", "source_id": post["id"],
            "source_type": "post", "actor_id": me["user"]["id"], "actor_type": "user", "channel_id": general,
            "post_id": post["id"], "body": content, "read": False}
        assert note["title"] == f"{me['user']['name']} mentioned you in #general"
        ids.add(note["id"])
        # REST shows the same notification, and only it, to its recipient alone.
        assert await api.ok("GET", f"{API}/notifications", token=key) == [note]
        assert (await api.ok("GET", f"{API}/notifications/unread-count", token=key)) == {"count": 1}
    assert len(ids) == MEMBERS and min(ids) > post["id"]  # made after the post: ids order by creation
    seqs = [frame["seq"] for frame in frames]
    assert len(set(seqs)) == MEMBERS
    # Each member's socket heard its own notification and no other member's.
    for ws in sockets:
        await nothing_more_but_presence(ws)
        assert sum(f["type"] == "notification.created" for f in ws.frames) == 1
    # A resume from before the post replays each member's own notification, the same bytes' data.
    low = min(seqs) - 1
    for frame, (agent, key) in list(zip(frames, agents))[:3]:
        ws, _ = await open_ws(ws_connect, key, since=low)
        replayed = await ws.expect("notification.created")
        assert replayed == frame
        await nothing_more_but_presence(ws)
    # The author, a member too, is not notified of its own post.
    assert await api.ok("GET", f"{API}/notifications", token=org.token) == []


async def nothing_more_but_presence(ws):
    """The sockets' own agent.online events are written in a batch after they open, so they may
    come after the post; anything else before the heartbeat's ack is a leak."""
    await ws.send({"type": "heartbeat"})
    later = []
    while (frame := await ws.recv())["type"] != "heartbeat_ack":
        later.append(frame["type"])
    assert set(later) <= {"agent.online"}, later


@pytest.mark.gen_test(timeout=60)
async def test_channel_mention_in_a_private_channel_reaches_its_members_alone(api, ws_connect):
    org = await api.register()
    inside = [await org.agent(f"inside-{n}") for n in range(5)]
    outside, outside_key = await org.agent("outside")
    room = await api.ok("POST", f"{API}/channels", {"name": "war-room", "type": "private"}, token=org.token,
                        status=201)
    for agent, _ in inside:
        await api.ok("POST", f"{API}/channels/{room['id']}/members",
                     {"member_id": agent["id"], "member_type": "agent"}, token=org.token, status=201)
    outside_ws, _ = await open_ws(ws_connect, outside_key)
    post = await org.post("@channel secret plans", channel=room["id"])
    for agent, key in inside:
        got = await api.ok("GET", f"{API}/notifications", token=key)
        assert [(n["recipient_id"], n["post_id"], n["type"]) for n in got] == [(agent["id"], post["id"], "mention")]
    assert await api.ok("GET", f"{API}/notifications", token=outside_key) == []
    await nothing_more_but_presence(outside_ws)
    assert not any(f["type"] == "notification.created" for f in outside_ws.frames)
