"""Tasks over REST and /ws (SPEC §12): the original's fields and filters, channel names and
the Go CLI's `channel`, PATCH rules, delete rights, events to the org or to a private
channel's members only, and private-channel tasks invisible to non-members everywhere."""

import pytest

from tests.support import open_ws

API = "/api/v1"


async def new_task(api, token, **body):
    return await api.ok("POST", f"{API}/tasks", {"title": "write the report", **body}, token=token, status=201)


@pytest.mark.gen_test(timeout=30)
async def test_create_read_list_filter_and_patch(api):
    org = await api.register()
    agent, key = await org.agent("worker")
    task = await new_task(api, org.token, description="by Friday", priority="high", channel="#General",
                          due_date="2026-12-01", assigned_to=agent["id"], metadata={"k": 1})
    assert task["channel_id"] == await org.channel_id("general")
    assert (task["assigned_to"], task["assigned_type"], task["status"]) == (agent["id"], "agent", "open")
    assert task["due_date"] == "2026-12-01T00:00:00.000Z"
    assert (task["claimed_at"], task["lease_expires_at"], task["claim_count"]) == (None, None, 0)
    assert task["created_by"] == org.owner["id"] and task["created_by_type"] == "user"
    other = await new_task(api, key, title="second")
    assert other["created_by_type"] == "agent" and other["channel_id"] is None

    assert await api.ok("GET", f"{API}/tasks/{task['id']}", token=key) == task
    listed = await api.ok("GET", f"{API}/tasks", token=org.token)
    assert [t["id"] for t in listed] == [other["id"], task["id"]]  # newest first
    for query, expected in (
        ("priority=high", [task]), ("assigned_to=" + agent["id"], [task]), ("assigned_to=none", [other]),
        ("created_by=me", [task]), ("channel_id=general", [task]), ("channel=general", [task]),
        ("claimable=true", [other]), ("status=completed", []),
    ):
        got = await api.ok("GET", f"{API}/tasks?{query}", token=org.token)
        assert [t["id"] for t in got] == [t["id"] for t in expected], query
    await api.error("GET", f"{API}/tasks?status=done", token=org.token, code="VALIDATION_ERROR")
    await api.error("GET", f"{API}/tasks?channel_id=nowhere", token=org.token, code="NOT_FOUND")

    done = await api.ok("PATCH", f"{API}/tasks/{task['id']}", {"status": "completed", "description": None,
                                                               "assigned_to": None, "channel_id": None,
                                                               "due_date": None}, token=org.token)
    assert done["completed_at"] and done["description"] is None and done["assigned_to"] is None
    assert done["channel_id"] is None and done["due_date"] is None
    reopened = await api.ok("PATCH", f"{API}/tasks/{task['id']}", {"status": "open"}, token=org.token)
    assert reopened["completed_at"] is None

    await api.error("POST", f"{API}/tasks", {"title": ""}, token=org.token, code="VALIDATION_ERROR")
    await api.error("POST", f"{API}/tasks", {"title": "x", "assigned_to": org.owner["id"], "assigned_type": "agent"},
                    token=org.token, code="NOT_FOUND")
    # Only the creator and owner/admin delete.
    await api.error("DELETE", f"{API}/tasks/{task['id']}", token=key, code="FORBIDDEN")
    assert await api.ok("DELETE", f"{API}/tasks/{task['id']}", token=org.token) == {"deleted": True}
    await api.error("GET", f"{API}/tasks/{task['id']}", token=org.token, code="NOT_FOUND")


@pytest.mark.gen_test(timeout=30)
async def test_another_orgs_task_is_not_found(api):
    org, stranger = await api.register(), await api.register()
    task = await new_task(api, org.token)
    for method, path in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/claim"), ("POST", "/release")):
        await api.error(method, f"{API}/tasks/{task['id']}{path}", {} if method != "GET" else None,
                        token=stranger.token, code="NOT_FOUND")
    assert await api.ok("GET", f"{API}/tasks", token=stranger.token) == []


@pytest.mark.gen_test(timeout=30)
async def test_events_reach_the_org_with_aliases(api, ws_connect, ws_url):
    from tests.test_ws_aliases import with_aliases

    org = await api.register()
    agent, key = await org.agent("worker")
    ws, _ = await open_ws(ws_connect, org.token)
    original, _ = await with_aliases(ws_url, org.token)
    task = await new_task(api, org.token)
    created = await ws.expect("task.created")
    assert created["data"]["id"] == task["id"]
    alias = await original.expect("task:new")
    assert alias["data"]["task"]["id"] == task["id"] and alias["data"]["title"] == task["title"]
    await api.ok("PATCH", f"{API}/tasks/{task['id']}", {"priority": "urgent"}, token=org.token)
    assert (await ws.expect("task.updated"))["data"]["priority"] == "urgent"
    await api.ok("POST", f"{API}/tasks/{task['id']}/claim", {}, token=key)
    claimed = await ws.expect("task.claimed")
    assert claimed["data"]["assigned_to"] == agent["id"] and claimed["data"]["claim_count"] == 1
    await api.ok("POST", f"{API}/tasks/{task['id']}/release", token=key)
    released = await ws.expect("task.released")
    assert released["data"]["assigned_to"] is None and released["data"]["status"] == "open"
    assert released["data"]["previous_assignee"] == {"id": agent["id"], "type": "agent"}
    await api.ok("DELETE", f"{API}/tasks/{task['id']}", token=org.token)
    assert (await ws.expect("task.deleted"))["data"]["id"] == task["id"]
    for name in ("task:updated", "task:updated", "task:updated"):
        await original.expect(name)


@pytest.mark.gen_test(timeout=30)
async def test_private_channel_tasks_are_invisible_to_non_members(api, ws_connect):
    org = await api.register()
    insider, insider_key = await org.agent("insider")
    outsider, outsider_key = await org.agent("outsider")
    room = await api.ok("POST", f"{API}/channels", {"name": "vault", "type": "private"}, token=org.token, status=201)
    await api.ok("POST", f"{API}/channels/{room['id']}/members", {"member_id": insider["id"], "member_type": "agent"},
                 token=org.token, status=201)
    out_ws, _ = await open_ws(ws_connect, outsider_key)
    in_ws, _ = await open_ws(ws_connect, insider_key)

    secret = await new_task(api, org.token, title="secret", channel="vault")
    assert (await in_ws.expect("task.created"))["data"]["id"] == secret["id"]
    # The assignee of a private task must be a member.
    await api.error("POST", f"{API}/tasks", {"title": "x", "channel_id": room["id"], "assigned_to": outsider["id"]},
                    token=org.token, code="VALIDATION_ERROR")
    await api.error("GET", f"{API}/tasks/{secret['id']}", token=outsider_key, code="NOT_FOUND")
    await api.error("POST", f"{API}/tasks/{secret['id']}/claim", {}, token=outsider_key, code="NOT_FOUND")
    await api.error("PATCH", f"{API}/tasks/{secret['id']}", {"title": "mine"}, token=outsider_key, code="NOT_FOUND")
    await api.error("GET", f"{API}/tasks?channel=vault", token=outsider_key, code="NOT_FOUND")
    assert await api.ok("GET", f"{API}/tasks", token=outsider_key) == []
    assert await api.ok("POST", f"{API}/tasks/claim", {}, token=outsider_key) is None
    assert [t["id"] for t in await api.ok("GET", f"{API}/tasks", token=insider_key)] == [secret["id"]]
    claimed = await api.ok("POST", f"{API}/tasks/claim", {}, token=insider_key)
    assert claimed["id"] == secret["id"]
    await in_ws.expect("task.claimed")
    # The sentinel: a public task's event reaches the outsider; no task event came before it.
    public = await new_task(api, org.token, title="public")
    while (frame := await out_ws.recv())["type"] != "task.created":
        assert not frame["type"].startswith("task"), frame
    assert frame["data"]["id"] == public["id"]


@pytest.mark.gen_test(timeout=30)
async def test_a_dm_channels_task_is_private_to_the_pair(api, ws_connect):
    """Private includes DM (SPEC §6.1): a task in a DM is seen, claimed and announced only to its two members."""
    org = await api.register()
    insider, insider_key = await org.agent("pal")
    outsider, outsider_key = await org.agent("stranger")
    dm = await api.ok("POST", f"{API}/dm", {"member_id": insider["id"], "member_type": "agent"}, token=org.token,
                      status=201)
    out_ws, _ = await open_ws(ws_connect, outsider_key)
    in_ws, _ = await open_ws(ws_connect, insider_key)

    secret = await new_task(api, org.token, title="between us", channel_id=dm["id"])
    assert (await in_ws.expect("task.created"))["data"]["id"] == secret["id"]
    await api.error("POST", f"{API}/tasks", {"title": "x", "channel_id": dm["id"], "assigned_to": outsider["id"]},
                    token=org.token, code="VALIDATION_ERROR")
    await api.error("GET", f"{API}/tasks/{secret['id']}", token=outsider_key, code="NOT_FOUND")
    await api.error("POST", f"{API}/tasks/{secret['id']}/claim", {}, token=outsider_key, code="NOT_FOUND")
    assert await api.ok("GET", f"{API}/tasks", token=outsider_key) == []
    assert await api.ok("POST", f"{API}/tasks/claim", {}, token=outsider_key) is None
    assert (await api.ok("POST", f"{API}/tasks/claim", {}, token=insider_key))["id"] == secret["id"]
    await in_ws.expect("task.claimed")
    public = await new_task(api, org.token, title="public")
    while (frame := await out_ws.recv())["type"] != "task.created":
        assert not frame["type"].startswith("task"), frame
    assert frame["data"]["id"] == public["id"]
