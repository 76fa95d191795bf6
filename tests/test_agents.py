"""/agents: directory, search, profile edits, heartbeat, key rotation and removal, with who
may do each."""

import pytest

API = "/api/v1"


@pytest.mark.gen_test
async def test_list_and_paginate(api):
    org = await api.register()
    made = [(await org.agent(f"bot-{i}"))[0] for i in range(3)]
    listed = await api.ok("GET", f"{API}/agents", token=org.token)
    assert [a["id"] for a in listed] == [a["id"] for a in made]

    _, first = await api.call("GET", f"{API}/agents?limit=2", token=org.token, expect=200)
    assert first["pagination"] == {"page": 1, "limit": 2, "total": 3, "hasMore": True}
    _, second = await api.call("GET", f"{API}/agents?limit=2&page=2", token=org.token, expect=200)
    assert second["pagination"] == {"page": 2, "limit": 2, "total": 3, "hasMore": False}
    assert [a["id"] for a in first["data"] + second["data"]] == [a["id"] for a in made]
    _, past = await api.call("GET", f"{API}/agents?limit=2&page=3", token=org.token, expect=200)
    assert past["data"] == [] and past["pagination"]["total"] == 3 and past["pagination"]["hasMore"] is False

    # An agent reads the directory too.
    _, key = await org.agent("reader")
    assert len(await api.ok("GET", f"{API}/agents", token=key)) == 4


@pytest.mark.gen_test
async def test_search(api):
    org = await api.register()
    writer, _ = await org.agent("writer", description="drafts release notes", capabilities=["write", "summarize"])
    scout, scout_key = await org.agent("Scout", description="web research", capabilities=["search", "summarize"])
    odd, _ = await org.agent("100%_sure", capabilities=[])
    await org.agent("back\\slash")

    async def names(query):
        return sorted(a["name"] for a in await api.ok("GET", f"{API}/agents/search?{query}", token=org.token))

    assert await names("q=scout") == ["Scout"]  # case-insensitive, on the name
    assert await names("q=release") == ["writer"]  # and on the description
    assert await names("capabilities=summarize") == ["Scout", "writer"]
    assert await names("capabilities=summarize,search") == ["Scout"]  # every capability asked for
    assert await names("capabilities=fly") == []
    assert await names("q=%25") == ["100%_sure"]  # LIKE wildcards are literal
    assert await names("q=_") == ["100%_sure"]
    assert await names("q=%5C") == ["back\\slash"]
    assert await names("q=%5C%25") == []
    assert await names("q=%27") == []
    assert await names("") == ["100%_sure", "Scout", "back\\slash", "writer"]

    await api.ok("POST", f"{API}/agents/{scout['id']}/heartbeat", {"status": "busy"}, token=scout_key)
    assert await names("status=busy") == ["Scout"]
    assert await names("status=offline") == ["100%_sure", "back\\slash", "writer"]
    assert await names("status=busy&q=writer") == []

    _, paged = await api.call("GET", f"{API}/agents/search?capabilities=summarize&limit=1", token=org.token, expect=200)
    assert paged["pagination"] == {"page": 1, "limit": 1, "total": 2, "hasMore": True}
    error = await api.error("GET", f"{API}/agents/search?status=asleep", token=org.token, code="VALIDATION_ERROR")
    assert error["field"] == "status"
    assert writer["id"] and odd["id"]


@pytest.mark.gen_test
async def test_get_one(api):
    org = await api.register()
    agent, key = await org.agent("solo", description="alone")
    assert await api.ok("GET", f"{API}/agents/{agent['id']}", token=org.token) == agent
    assert await api.ok("GET", f"{API}/agents/{agent['id']}", token=key) == agent


@pytest.mark.gen_test
async def test_patch_by_a_user_or_the_agent_itself(api):
    org = await api.register()
    agent, key = await org.agent("editable")
    _, member = await org.user("member")

    body = {"name": "renamed", "description": "new words", "capabilities": ["a", "b"], "metadata": {"v": 2}}
    data = await api.ok("PATCH", f"{API}/agents/{agent['id']}", body, token=member)
    assert {k: data[k] for k in body} == body
    assert data["updated_at"] >= agent["updated_at"] and data["created_at"] == agent["created_at"]
    assert data["owner_user_id"] == agent["owner_user_id"]

    data = await api.ok("PATCH", f"{API}/agents/{agent['id']}", {"description": "by myself"}, token=key)
    assert data["description"] == "by myself" and data["name"] == "renamed"  # other fields kept
    assert await api.ok("GET", f"{API}/agents/{agent['id']}", token=org.token) == data

    # Fields outside the profile are not writable through PATCH.
    data = await api.ok(
        "PATCH", f"{API}/agents/{agent['id']}", {"status": "online", "owner_user_id": "x", "org_id": "y"}, token=key
    )
    assert data["status"] == "offline" and data["owner_user_id"] == org.owner["id"] and data["org_id"] == org.id


@pytest.mark.gen_test
async def test_an_agent_cannot_patch_another(api):
    org = await api.register()
    victim, _ = await org.agent("victim")
    _, other_key = await org.agent("other")
    await api.error(
        "PATCH", f"{API}/agents/{victim['id']}", {"name": "owned"}, token=other_key, code="FORBIDDEN", status=403
    )
    assert (await api.ok("GET", f"{API}/agents/{victim['id']}", token=org.token))["name"] == "victim"


@pytest.mark.gen_test
async def test_patch_validation(api):
    org = await api.register()
    agent, _ = await org.agent()
    for body, field in [
        ({"name": ""}, "name"),
        ({"capabilities": "search"}, "capabilities"),
        ({"capabilities": [1]}, "capabilities"),
        ({"metadata": [1]}, "metadata"),
        ({"description": "x" * 2001}, "description"),
    ]:
        error = await api.error(
            "PATCH", f"{API}/agents/{agent['id']}", body, token=org.token, code="VALIDATION_ERROR", status=400
        )
        assert error["field"] == field


@pytest.mark.gen_test
async def test_delete_by_owner_admin_or_creator(api):
    org = await api.register()
    _, admin = await org.user("admin")
    creator, creator_token = await org.user("member")
    _, bystander = await org.user("member")

    by_owner, by_owner_key = await org.agent("a")
    by_admin, _ = await org.agent("b")
    mine, mine_key = await org.agent("c", token=creator_token)
    assert mine["owner_user_id"] == creator["id"]

    # A member who did not create it, and agents (even the agent itself), may not.
    for token in (bystander, mine_key, by_owner_key):
        await api.error("DELETE", f"{API}/agents/{by_owner['id']}", token=token, code="FORBIDDEN", status=403)
    await api.error("DELETE", f"{API}/agents/{mine['id']}", token=bystander, code="FORBIDDEN", status=403)

    assert await api.ok("DELETE", f"{API}/agents/{by_owner['id']}", token=org.token) == {"deleted": True}
    assert await api.ok("DELETE", f"{API}/agents/{by_admin['id']}", token=admin) == {"deleted": True}
    assert await api.ok("DELETE", f"{API}/agents/{mine['id']}", token=creator_token) == {"deleted": True}

    for agent in (by_owner, by_admin, mine):
        await api.error("GET", f"{API}/agents/{agent['id']}", token=org.token, code="NOT_FOUND", status=404)
        await api.error("DELETE", f"{API}/agents/{agent['id']}", token=org.token, code="NOT_FOUND", status=404)
    # Its key dies with it.
    await api.error("GET", f"{API}/auth/me", token=by_owner_key, code="INVALID_API_KEY", status=401)
    assert await api.ok("GET", f"{API}/agents", token=org.token) == []


@pytest.mark.gen_test
async def test_heartbeat_only_by_the_agent_itself(api):
    org = await api.register()
    agent, key = await org.agent("beater")
    other, other_key = await org.agent("other")

    assert await api.ok("POST", f"{API}/agents/{agent['id']}/heartbeat", token=key) == {"ok": True}
    data = await api.ok("GET", f"{API}/agents/{agent['id']}", token=org.token)
    assert data["status"] == "online" and data["last_heartbeat"] is not None

    assert await api.ok("POST", f"{API}/agents/{agent['id']}/heartbeat", {"status": "busy"}, token=key) == {"ok": True}
    assert (await api.ok("GET", f"{API}/agents/{agent['id']}", token=org.token))["status"] == "busy"
    await api.ok("POST", f"{API}/agents/{agent['id']}/heartbeat", {"status": "offline"}, token=key)
    assert (await api.ok("GET", f"{API}/agents/{agent['id']}", token=org.token))["status"] == "offline"

    await api.error("POST", f"{API}/agents/{agent['id']}/heartbeat", {}, token=org.token, code="FORBIDDEN", status=403)
    await api.error("POST", f"{API}/agents/{agent['id']}/heartbeat", {}, token=other_key, code="FORBIDDEN", status=403)
    error = await api.error(
        "POST", f"{API}/agents/{agent['id']}/heartbeat", {"status": "asleep"}, token=key, code="VALIDATION_ERROR"
    )
    assert error["field"] == "status"
    assert other["status"] == "offline"


@pytest.mark.gen_test
async def test_rotate_key(api):
    org = await api.register()
    creator, creator_token = await org.user("member")
    _, bystander = await org.user("member")
    _, admin = await org.user("admin")
    agent, key = await org.agent("rotating", token=creator_token)
    _, other_key = await org.agent("other")

    for token in (bystander, key, other_key):
        await api.error("POST", f"{API}/agents/{agent['id']}/rotate-key", token=token, code="FORBIDDEN", status=403)
    await api.ok("GET", f"{API}/auth/me", token=key)  # a refused rotation changes nothing

    keys = [key]
    for token in (creator_token, org.token, admin):
        data = await api.ok("POST", f"{API}/agents/{agent['id']}/rotate-key", token=token)
        assert set(data) == {"apiKey"} and data["apiKey"].startswith("ahq_") and data["apiKey"] not in keys
        keys.append(data["apiKey"])
    for old in keys[:-1]:
        await api.error("GET", f"{API}/auth/me", token=old, code="INVALID_API_KEY", status=401)
    me = await api.ok("GET", f"{API}/auth/me", token=keys[-1])
    assert me["agent"]["id"] == agent["id"]
