"""The assignee's `task_assigned` notification (SPEC §8.2, §12): on create with an assignee and
on reassignment, never to the actor nor for a claim, live on the assignee's own /ws only, and
never about a private channel's task to someone outside it."""

import pytest

from tests.support import nothing_more, open_ws

API = "/api/v1"


@pytest.mark.gen_test(timeout=30)
async def test_assignment_on_create_notifies_the_assignee_only(api, ws_connect):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    _, member = await org.user()
    scout_ws, _ = await open_ws(ws_connect, scout_key)
    member_ws, _ = await open_ws(ws_connect, member)

    task = await api.ok("POST", f"{API}/tasks", {"title": "fix the build", "assigned_to": scout["id"],
                                                 "channel": "general"}, token=org.token, status=201)
    frame = await scout_ws.expect("notification.created")
    note = frame["data"]
    assert "channel" not in frame
    assert (note["type"], note["source_type"], note["source_id"]) == ("task_assigned", "task", task["id"])
    assert (note["recipient_id"], note["recipient_type"]) == (scout["id"], "agent")
    assert (note["actor_id"], note["actor_type"]) == (org.owner["id"], "user")
    assert note["title"] == f"{org.owner['name']} assigned you a task: fix the build"
    assert note["body"] is None and note["post_id"] is None and note["read"] is False
    assert note["channel_id"] == task["channel_id"]
    # Listed by every spelling of the type (ours, the original SDK's, its server's).
    for spelling in ("task_assigned", "task", "task_assignment"):
        listed = await api.ok("GET", f"{API}/notifications?type={spelling}", token=scout_key)
        assert [n["id"] for n in listed] == [note["id"]], spelling
    assert await api.ok("GET", f"{API}/notifications/unread-count", token=scout_key) == {"count": 1}
    # Nobody else hears of it: the member got the task, then nothing.
    assert (await member_ws.expect("task.created"))["data"]["id"] == task["id"]
    await nothing_more(member_ws)
    assert await api.ok("GET", f"{API}/notifications", token=member) == []
    assert await api.ok("GET", f"{API}/notifications", token=org.token) == []


@pytest.mark.gen_test(timeout=30)
async def test_reassignment_notifies_the_new_assignee_not_oneself_nor_a_claim(api, ws_connect):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    pilot, pilot_key = await org.agent("pilot")
    scout_ws, _ = await open_ws(ws_connect, scout_key)
    pilot_ws, _ = await open_ws(ws_connect, pilot_key)

    # Assigning oneself, or claiming, notifies nobody.
    own = await api.ok("POST", f"{API}/tasks", {"title": "mine", "assigned_to": scout["id"]}, token=scout_key,
                       status=201)
    await scout_ws.expect("task.created")
    pool = await api.ok("POST", f"{API}/tasks", {"title": "pool"}, token=org.token, status=201)
    await api.ok("POST", f"{API}/tasks/{pool['id']}/claim", {}, token=scout_key)
    await scout_ws.expect("task.claimed")
    await nothing_more(scout_ws)

    # Handing the task on notifies the new assignee (an alias for original clients too).
    await api.ok("PATCH", f"{API}/tasks/{own['id']}", {"assigned_to": pilot["id"]}, token=scout_key)
    note = (await pilot_ws.expect("notification.created"))["data"]
    assert (note["type"], note["source_id"], note["actor_id"]) == ("task_assigned", own["id"], scout["id"])
    assert note["title"] == "scout assigned you a task: mine"
    # A PATCH that keeps the assignee, or clears it, notifies nobody.
    await api.ok("PATCH", f"{API}/tasks/{own['id']}", {"assigned_to": pilot["id"], "title": "mine too"},
                 token=org.token)
    await pilot_ws.expect("task.updated")
    await api.ok("PATCH", f"{API}/tasks/{own['id']}", {"assigned_to": None}, token=org.token)
    await pilot_ws.expect("task.updated")
    await nothing_more(pilot_ws)
    # Back to scout, by someone else: scout is told (its first notification since the claim).
    await api.ok("PATCH", f"{API}/tasks/{own['id']}", {"assigned_to": scout["id"]}, token=pilot_key)
    note = (await scout_ws.expect("notification.created"))["data"]
    assert (note["recipient_id"], note["actor_id"]) == (scout["id"], pilot["id"])
    assert [n["type"] for n in await api.ok("GET", f"{API}/notifications", token=pilot_key)] == ["task_assigned"]
    assert [n["actor_id"] for n in await api.ok("GET", f"{API}/notifications", token=scout_key)] == [pilot["id"]]


@pytest.mark.gen_test(timeout=30)
async def test_original_clients_get_the_alias(api, ws_url):
    from tests.test_ws_aliases import with_aliases

    org = await api.register()
    scout, scout_key = await org.agent("scout")
    original, _ = await with_aliases(ws_url, scout_key)
    task = await api.ok("POST", f"{API}/tasks", {"title": "ship", "assigned_to": scout["id"]}, token=org.token,
                        status=201)
    alias = await original.expect("notification:new")
    assert alias["data"]["recipient_id"] == scout["id"] and alias["data"]["source_id"] == task["id"]
    assert alias["data"]["recipientId"] == scout["id"]


@pytest.mark.gen_test(timeout=30)
async def test_a_private_channels_task_notifies_its_member_and_replays_only_to_them(api, ws_connect):
    org = await api.register()
    insider, insider_key = await org.agent("insider")
    outsider, outsider_key = await org.agent("outsider")
    room = await api.ok("POST", f"{API}/channels", {"name": "vault", "type": "private"}, token=org.token, status=201)
    await api.ok("POST", f"{API}/channels/{room['id']}/members", {"member_id": insider["id"], "member_type": "agent"},
                 token=org.token, status=201)
    _, hello = await open_ws(ws_connect, outsider_key)
    since = hello["data"]["seq"]

    task = await api.ok("POST", f"{API}/tasks", {"title": "secret", "channel": "vault", "assigned_to": insider["id"]},
                        token=org.token, status=201)
    # A non-member can be neither the assignee of a private task nor told of one.
    await api.error("PATCH", f"{API}/tasks/{task['id']}", {"assigned_to": outsider["id"]}, token=org.token,
                    code="VALIDATION_ERROR")
    public = await api.ok("POST", f"{API}/tasks", {"title": "sentinel", "assigned_to": outsider["id"]},
                          token=org.token, status=201)
    # Replay with `since`: each sees its own notification and nothing of the other's.
    insider_ws, _ = await open_ws(ws_connect, insider_key, since=since)
    note = (await insider_ws.expect("notification.created"))["data"]
    assert (note["source_id"], note["channel_id"]) == (task["id"], room["id"])
    outsider_ws, _ = await open_ws(ws_connect, outsider_key, since=since)
    frame = await outsider_ws.expect("notification.created")
    assert frame["data"]["source_id"] == public["id"]
    assert not any(task["id"] in str(f) for f in outsider_ws.frames)
    listed = await api.ok("GET", f"{API}/notifications", token=outsider_key)
    assert [n["source_id"] for n in listed] == [public["id"]]
