"""/activity: the append-only audit log, what the server records itself, and its filters."""

import asyncio

import pytest

API = "/api/v1"
ACTIVITY_FIELDS = {"id", "org_id", "actor_id", "actor_type", "action", "resource_type", "resource_id", "details",
                   "created_at"}


async def actions(api, token, query=""):
    return [a["action"] for a in await api.ok("GET", f"{API}/activity?limit=100&{query}", token=token)]


@pytest.mark.gen_test
async def test_the_server_records_what_changes_state(api):
    org = await api.register()
    agent, key = await org.agent("logger")
    channel = await api.ok("POST", f"{API}/channels", {"name": "ops"}, token=org.token, status=201)
    post = await org.post("hi", channel=channel["id"], token=key)
    await api.ok("PATCH", f"{API}/posts/{post['id']}", {"content": "hi!"}, token=key)
    await api.ok("DELETE", f"{API}/posts/{post['id']}", token=org.token)
    await api.ok("PATCH", f"{API}/org", {"name": "New name"}, token=org.token)
    await api.ok("PATCH", f"{API}/agents/{agent['id']}", {"description": "d"}, token=org.token)
    await api.ok("POST", f"{API}/agents/{agent['id']}/rotate-key", token=org.token)
    await api.ok("DELETE", f"{API}/agents/{agent['id']}", token=org.token)

    log = await api.ok("GET", f"{API}/activity?limit=100", token=org.token)
    assert [a["action"] for a in log] == [  # newest first
        "agent.deleted", "agent.key_rotated", "agent.updated", "org.updated", "post.deleted", "post.updated",
        "post.created", "channel.created", "agent.registered", "org.created",
    ]
    by_action = {a["action"]: a for a in log}
    assert all(set(a) == ACTIVITY_FIELDS and a["org_id"] == org.id for a in log)
    created = by_action["post.created"]
    assert (created["actor_id"], created["actor_type"]) == (agent["id"], "agent")
    assert (created["resource_type"], created["resource_id"]) == ("post", post["id"])
    assert created["details"]["channel_id"] == channel["id"]
    deleted = by_action["post.deleted"]
    assert (deleted["actor_id"], deleted["actor_type"]) == (org.owner["id"], "user")
    assert by_action["channel.created"]["resource_id"] == channel["id"]
    assert by_action["agent.registered"]["resource_id"] == agent["id"]
    # The log never holds a secret.
    assert "ahq_" not in str(log)


@pytest.mark.gen_test
async def test_clients_append_entries(api):
    org = await api.register()
    agent, key = await org.agent()
    body = {"action": "task.completed", "resource_type": "task", "resource_id": "T-42", "details": {"ms": 1200}}
    entry = await api.ok("POST", f"{API}/activity", body, token=key, status=201)
    assert set(entry) == ACTIVITY_FIELDS
    assert {k: entry[k] for k in body} == body
    assert (entry["actor_id"], entry["actor_type"], entry["org_id"]) == (agent["id"], "agent", org.id)

    minimal = await api.ok("POST", f"{API}/activity", {"action": "note"}, token=org.token, status=201)
    assert minimal["resource_type"] is None and minimal["resource_id"] is None and minimal["details"] == {}
    assert minimal["actor_type"] == "user"
    # Clients cannot write as someone else.
    spoof = await api.ok("POST", f"{API}/activity", {"action": "x", "actor_id": org.owner["id"], "org_id": "y"},
                         token=key, status=201)
    assert (spoof["actor_id"], spoof["org_id"]) == (agent["id"], org.id)

    for bad, field in [({}, "action"), ({"action": ""}, "action"), ({"action": "x" * 1001}, "action"),
                       ({"action": "x", "details": "d"}, "details"), ({"action": 1}, "action"),
                       ({"action": "x", "resource_id": 7}, "resource_id")]:
        error = await api.error("POST", f"{API}/activity", bad, token=org.token, code="VALIDATION_ERROR", status=400)
        assert error["field"] == field


@pytest.mark.gen_test
async def test_append_only(api):
    org = await api.register()
    entry = await api.ok("POST", f"{API}/activity", {"action": "note"}, token=org.token, status=201)
    for method in ("PATCH", "DELETE", "PUT"):
        await api.error(method, f"{API}/activity", token=org.token, code="METHOD_NOT_ALLOWED", status=405)
        await api.error(method, f"{API}/activity/{entry['id']}", token=org.token, code="NOT_FOUND", status=404)
    assert (await api.ok("GET", f"{API}/activity?action=note", token=org.token)) == [entry]


@pytest.mark.gen_test
async def test_filters_and_pagination(api):
    org = await api.register()
    agent, key = await org.agent()
    first = await api.ok("POST", f"{API}/activity", {"action": "ping"}, token=key, status=201)
    await asyncio.sleep(0.005)
    second = await api.ok("POST", f"{API}/activity", {"action": "ping"}, token=org.token, status=201)
    await asyncio.sleep(0.005)
    third = await api.ok("POST", f"{API}/activity", {"action": "pong"}, token=key, status=201)

    async def ids(query):
        return [a["id"] for a in await api.ok("GET", f"{API}/activity?{query}", token=org.token)]

    assert await ids("action=ping") == [second["id"], first["id"]]
    assert await ids(f"actor_id={agent['id']}") == [third["id"], first["id"]]
    assert await ids(f"actor_id={agent['id']}&action=pong") == [third["id"]]
    assert await ids(f"from={second['created_at']}&to={second['created_at']}") == [second["id"]]  # inclusive
    assert await ids(f"from={second['created_at']}&actor_id={agent['id']}") == [third["id"]]
    assert await ids(f"to={first['created_at']}&action=ping") == [first["id"]]
    assert await ids("from=2999-01-01T00:00:00Z") == []

    _, page = await api.call("GET", f"{API}/activity?limit=2", token=org.token, expect=200)
    assert [a["id"] for a in page["data"]] == [third["id"], second["id"]]
    total = page["pagination"]["total"]
    assert total >= 5 and page["pagination"]["hasMore"] is True  # org.created, agent.registered, 3 above
    for query, field in [("from=soon", "from"), ("to=2020-13-01", "to"), ("actor_id=mine", "actor_id")]:
        error = await api.error("GET", f"{API}/activity?{query}", token=org.token, code="VALIDATION_ERROR")
        assert error["field"] == field
