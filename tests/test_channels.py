"""/channels: create, list, read, join, leave, add members, and a channel's posts."""

import asyncio

import pytest

API = "/api/v1"
CHANNEL_FIELDS = {"id", "org_id", "name", "description", "type", "created_by", "created_at", "updated_at"}


async def create(api, token, name, type_="public", **extra):
    return await api.ok("POST", f"{API}/channels", {"name": name, "type": type_, **extra}, token=token, status=201)


async def names(api, token):
    return [c["name"] for c in await api.ok("GET", f"{API}/channels?limit=100", token=token)]


@pytest.mark.gen_test
async def test_create_public_and_private(api):
    org = await api.register()
    channel = await create(api, org.token, "research", description="papers and notes")
    assert set(channel) == CHANNEL_FIELDS
    assert channel["name"] == "research" and channel["description"] == "papers and notes"
    assert channel["type"] == "public" and channel["org_id"] == org.id and channel["created_by"] == org.owner["id"]
    read_state = {"member": True, "unread_count": 0, "mention_count": 0}
    got = await api.ok("GET", f"{API}/channels/{channel['id']}", token=org.token)
    assert {name: got[name] for name in CHANNEL_FIELDS} == channel and {k: got[k] for k in read_state} == read_state

    default = await api.ok("POST", f"{API}/channels", {"name": "plain"}, token=org.token, status=201)
    assert default["type"] == "public" and default["description"] == ""

    secret = await create(api, org.token, "secret", "private")
    assert secret["type"] == "private"
    # The creator is a member: it sees the private channel and can post in it.
    got = await api.ok("GET", f"{API}/channels/{secret['id']}", token=org.token)
    assert {name: got[name] for name in CHANNEL_FIELDS} == secret and got["member"] is True
    await org.post("inside", channel=secret["id"])

    # An agent can create channels too, and is then their member.
    agent, key = await org.agent()
    bots = await create(api, key, "bots-only", "private")
    assert bots["created_by"] == agent["id"]
    await org.post("beep", channel=bots["id"], token=key)


@pytest.mark.gen_test
async def test_create_validation_and_conflict(api):
    org = await api.register()
    for name in ["Upper", "has space", "under_score", "", "x" * 81, "émoji", "dot.ted", "general\n", "new\n"]:
        error = await api.error("POST", f"{API}/channels", {"name": name}, token=org.token, code="VALIDATION_ERROR")
        assert error["field"] == "name", name
    assert (await create(api, org.token, "x" * 80))["name"] == "x" * 80
    assert (await create(api, org.token, "a-1"))["name"] == "a-1"
    error = await api.error("POST", f"{API}/channels", {"name": "ok", "type": "hidden"}, token=org.token,
                            code="VALIDATION_ERROR")
    assert error["field"] == "type"
    error = await api.error("POST", f"{API}/channels", {"name": "ok2", "description": 5}, token=org.token,
                            code="VALIDATION_ERROR")
    assert error["field"] == "description"

    await api.error("POST", f"{API}/channels", {"name": "a-1"}, token=org.token, code="CHANNEL_EXISTS", status=409)
    # Private or public share one namespace.
    await api.error("POST", f"{API}/channels", {"name": "a-1", "type": "private"}, token=org.token,
                    code="CHANNEL_EXISTS", status=409)
    # Names are per organization.
    other = await api.register()
    await create(api, other.token, "a-1")


@pytest.mark.gen_test
async def test_list_shows_public_and_my_private_channels(api):
    org = await api.register()
    _, member = await org.user("member")
    await create(api, org.token, "owners-room", "private")
    await create(api, member, "members-room", "private")
    await create(api, member, "zeta")

    defaults = ["alerts", "audit", "general", "learnings", "updates"]
    assert await names(api, org.token) == sorted(defaults + ["owners-room", "zeta"])  # sorted by name
    assert await names(api, member) == sorted(defaults + ["members-room", "zeta"])

    _, page = await api.call("GET", f"{API}/channels?limit=3&page=2", token=member, expect=200)
    assert [c["name"] for c in page["data"]] == ["learnings", "members-room", "updates"]
    assert page["pagination"] == {"page": 2, "limit": 3, "total": 7, "hasMore": True}


@pytest.mark.gen_test
async def test_join_and_leave(api):
    org = await api.register()
    _, member = await org.user("member")
    public = await create(api, org.token, "open")
    private = await create(api, org.token, "closed", "private")

    assert await api.ok("POST", f"{API}/channels/{public['id']}/join", token=member) == {"joined": True}
    assert await api.ok("POST", f"{API}/channels/{public['id']}/join", token=member) == {"joined": True}  # idempotent
    # Joining a private channel uninvited: it is invisible, so it is not found.
    await api.error("POST", f"{API}/channels/{private['id']}/join", token=member, code="NOT_FOUND", status=404)

    assert await api.ok("POST", f"{API}/channels/{public['id']}/leave", token=member) == {"left": True}
    assert await api.ok("POST", f"{API}/channels/{public['id']}/leave", token=member) == {"left": True}  # idempotent
    # A public channel stays readable after leaving it.
    await api.ok("GET", f"{API}/channels/{public['id']}", token=member)

    # Leaving a private channel makes it invisible again.
    await api.ok("POST", f"{API}/channels/{private['id']}/leave", token=org.token)
    await api.error("GET", f"{API}/channels/{private['id']}", token=org.token, code="NOT_FOUND", status=404)
    assert "closed" not in await names(api, org.token)


@pytest.mark.gen_test
async def test_members_add_people_and_agents_to_a_private_channel(api):
    org = await api.register()
    invited, invited_token = await org.user("member")
    _, outsider = await org.user("member")
    agent, key = await org.agent()
    room = await create(api, org.token, "war-room", "private")

    data = await api.ok("POST", f"{API}/channels/{room['id']}/members",
                        {"member_id": invited["id"], "member_type": "user"}, token=org.token, status=201)
    assert data["added"] is True
    await api.ok("GET", f"{API}/channels/{room['id']}", token=invited_token)
    assert "war-room" in await names(api, invited_token)
    # A new member can invite in turn, here an agent, which can then post.
    await api.ok("POST", f"{API}/channels/{room['id']}/members",
                 {"member_id": agent["id"], "member_type": "agent"}, token=invited_token, status=201)
    await org.post("agent inside", channel=room["id"], token=key)
    # Adding twice is harmless.
    await api.ok("POST", f"{API}/channels/{room['id']}/members",
                 {"member_id": agent["id"], "member_type": "agent"}, token=org.token, status=201)

    # Someone outside the private channel cannot add anyone (nor learn that it exists).
    await api.error("POST", f"{API}/channels/{room['id']}/members",
                    {"member_id": org.owner["id"], "member_type": "user"}, token=outsider, code="NOT_FOUND")
    assert "war-room" not in await names(api, outsider)


@pytest.mark.gen_test
async def test_add_member_errors(api):
    org = await api.register()
    agent, _ = await org.agent()
    room = await create(api, org.token, "room", "private")
    path = f"{API}/channels/{room['id']}/members"
    for body, field in [({"member_type": "user"}, "member_id"), ({"member_id": agent["id"]}, "member_type"),
                        ({"member_id": "someone", "member_type": "user"}, "member_id"),
                        ({"member_id": agent["id"], "member_type": "robot"}, "member_type")]:
        error = await api.error("POST", path, body, token=org.token, code="VALIDATION_ERROR", status=400)
        assert error["field"] == field
    # The id must name a member of that type in this organization.
    await api.error("POST", path, {"member_id": agent["id"], "member_type": "user"}, token=org.token, code="NOT_FOUND")
    await api.error("POST", path, {"member_id": org.owner["id"], "member_type": "agent"}, token=org.token,
                    code="NOT_FOUND")
    other = await api.register()
    await api.error("POST", path, {"member_id": other.owner["id"], "member_type": "user"}, token=org.token,
                    code="NOT_FOUND", status=404)
    # Only members of a channel add members to it.
    _, member = await org.user("member")
    public = await create(api, org.token, "public-one")
    await api.error("POST", f"{API}/channels/{public['id']}/members",
                    {"member_id": agent["id"], "member_type": "agent"}, token=member, code="FORBIDDEN", status=403)


@pytest.mark.gen_test
async def test_channel_posts_newest_first_and_paginated(api):
    org = await api.register()
    channel = await create(api, org.token, "feed")
    made = [await org.post(f"post {i}", channel=channel["id"]) for i in range(5)]
    await org.post("elsewhere")

    listed = await api.ok("GET", f"{API}/channels/{channel['id']}/posts", token=org.token)
    assert [p["id"] for p in listed] == [p["id"] for p in reversed(made)]

    _, page = await api.call("GET", f"{API}/channels/{channel['id']}/posts?limit=2&page=3", token=org.token, expect=200)
    assert [p["content"] for p in page["data"]] == ["post 0"]
    assert page["pagination"] == {"page": 3, "limit": 2, "total": 5, "hasMore": False}
    _, page = await api.call("GET", f"{API}/channels/{channel['id']}/posts?limit=2", token=org.token, expect=200)
    assert [p["content"] for p in page["data"]] == ["post 4", "post 3"] and page["pagination"]["hasMore"] is True


@pytest.mark.gen_test
async def test_racing_creates_of_one_name(api):
    org = await api.register()
    results = await asyncio.gather(*[
        api.call("POST", f"{API}/channels", {"name": "race"}, token=org.token) for _ in range(8)
    ])
    codes = sorted(code for code, _ in results)
    assert codes == [201] + [409] * 7, results
    assert all(body["error"]["code"] == "CHANNEL_EXISTS" for code, body in results if code == 409)
