"""Direct messages and the people directory (SPEC §11): one channel per pair whichever side
asks, and a DM that nobody else ever sees, owners and admins included."""

import asyncio

import pytest

from tests.support import nothing_more, open_ws, subscribe

API = "/api/v1"


async def dm(api, token, member_id, member_type, status=None):
    code, payload = await api.call("POST", f"{API}/dm", {"member_id": member_id, "member_type": member_type},
                                   token=token)
    assert payload["success"], payload
    if status:
        assert code == status, (code, payload)
    return payload["data"]


@pytest.mark.gen_test
async def test_agent_and_person_dm_is_one_channel_with_the_other_members_fields(api):
    org = await api.register(name="Ada")
    member, member_token = await org.user()
    agent, key = await org.agent("helper")
    created = await dm(api, member_token, agent["id"], "agent", status=201)
    assert created["type"] == "dm"
    assert created["name"] == "dm-" + "-".join(sorted([member["id"].lower(), agent["id"].lower()]))
    assert (created["member_id"], created["member_type"], created["member_name"]) == (agent["id"], "agent", "helper")
    # The other side asks: the same channel, found (200), naming the person.
    found = await dm(api, key, member["id"], "user", status=200)
    assert found["id"] == created["id"]
    assert (found["member_id"], found["member_type"], found["member_name"]) == (member["id"], "user", member["name"])
    # Both see it in GET /dm and GET /channels, with the fields; and can post in it.
    assert [c["id"] for c in await api.ok("GET", f"{API}/dm", token=member_token)] == [created["id"]]
    listed = {c["id"]: c for c in await api.ok("GET", f"{API}/channels?type=dm", token=key)}
    assert listed[created["id"]]["member_id"] == member["id"]
    await org.post("just between us", channel=created["id"], token=key)
    posts = await api.ok("GET", f"{API}/channels/{created['id']}/posts", token=member_token)
    assert [p["content"] for p in posts] == ["just between us"]


@pytest.mark.gen_test
async def test_dm_refusals(api):
    org = await api.register()
    agent, key = await org.agent()
    other = await api.register()
    await api.error("POST", f"{API}/dm", {"member_id": org.owner["id"], "member_type": "user"}, token=org.token,
                    code="VALIDATION_ERROR")
    # Wrong type, unknown id, another org's identity: NOT_FOUND.
    await api.error("POST", f"{API}/dm", {"member_id": agent["id"], "member_type": "user"}, token=org.token,
                    code="NOT_FOUND")
    await api.error("POST", f"{API}/dm", {"member_id": "0" * 26, "member_type": "agent"}, token=org.token,
                    code="NOT_FOUND")
    await api.error("POST", f"{API}/dm", {"member_id": other.owner["id"], "member_type": "user"}, token=org.token,
                    code="NOT_FOUND")
    await api.error("POST", f"{API}/dm", {"member_id": agent["id"], "member_type": "robot"}, token=org.token,
                    code="VALIDATION_ERROR")
    # POST /channels refuses the dm type and dm- names.
    await api.error("POST", f"{API}/channels", {"name": "x", "type": "dm"}, token=org.token, code="VALIDATION_ERROR")
    error = await api.error("POST", f"{API}/channels", {"name": "dm-mine"}, token=org.token, code="VALIDATION_ERROR")
    assert error["field"] == "name"
    # A member may neither leave a DM nor add a third.
    channel = await dm(api, org.token, agent["id"], "agent")
    await api.error("POST", f"{API}/channels/{channel['id']}/leave", token=key, code="FORBIDDEN")
    member, _ = await org.user()
    await api.error("POST", f"{API}/channels/{channel['id']}/members",
                    {"member_id": member["id"], "member_type": "user"}, token=org.token, code="FORBIDDEN")


@pytest.mark.gen_test
async def test_concurrent_find_or_create_gives_one_channel(api):
    org = await api.register()
    member, member_token = await org.user()
    agent, key = await org.agent()
    calls = []
    for _ in range(5):
        calls.append(dm(api, member_token, agent["id"], "agent"))
        calls.append(dm(api, key, member["id"], "user"))
    channels = await asyncio.gather(*calls)
    assert len({c["id"] for c in channels}) == 1
    assert len(await api.ok("GET", f"{API}/channels?type=dm", token=key)) == 1


@pytest.mark.gen_test
async def test_an_owner_sees_a_dm_nowhere(api, ws_connect):
    org = await api.register()
    admin, admin_token = await org.user(role="admin")
    member, member_token = await org.user()
    agent, key = await org.agent("courier")
    channel = await dm(api, member_token, agent["id"], "agent")
    cid = channel["id"]
    root = await org.post("sesquipedalian handover", channel=cid, token=key)
    reply = await org.post("sesquipedalian ack", channel=cid, token=member_token, parent_id=root["id"])
    general = await org.channel_id()
    for token in (org.token, admin_token):
        assert cid not in [c["id"] for c in await api.ok("GET", f"{API}/channels", token=token)]
        assert cid not in [c["id"] for c in await api.ok("GET", f"{API}/channels?type=dm&limit=100", token=token)]
        assert await api.ok("GET", f"{API}/dm", token=token) == []
        for path in (f"/channels/{cid}", f"/channels/{cid}/posts", f"/channels/{cid}/stats",
                     f"/channels/{cid}/pins", f"/posts?channel_id={cid}", f"/posts/{root['id']}",
                     f"/posts/{reply['id']}", f"/posts/{root['id']}/reactions", f"/posts/{root['id']}/edits"):
            await api.error("GET", f"{API}{path}", token=token, code="NOT_FOUND")
        await api.error("POST", f"{API}/channels/{cid}/join", token=token, code="NOT_FOUND")
        await api.error("POST", f"{API}/channels/{channel['name']}/join", token=token, code="NOT_FOUND")
        await api.error("POST", f"{API}/posts", {"channel_id": cid, "content": "x"}, token=token, code="NOT_FOUND")
        await api.error("POST", f"{API}/posts/{root['id']}/pin", token=token, code="NOT_FOUND")
        await api.error("POST", f"{API}/posts/{root['id']}/reactions", {"emoji": "eyes"}, token=token,
                        code="NOT_FOUND")
        assert await api.ok("GET", f"{API}/posts/search?q=sesquipedalian", token=token) == []
        everything = await api.ok("GET", f"{API}/posts?limit=100", token=token)
        assert not [p for p in everything if p["channel_id"] == cid]
        logged = await api.ok("GET", f"{API}/activity?limit=100", token=token)
        assert not [a for a in logged if cid in (a["resource_id"], a["details"].get("channel_id"))]
    # The members do see the activity and the search hits.
    assert len(await api.ok("GET", f"{API}/posts/search?q=sesquipedalian&include_replies=true", token=member_token)) == 2
    logged = await api.ok("GET", f"{API}/activity?limit=100", token=key)
    assert [a for a in logged if a["details"].get("channel_id") == cid]

    # /ws: the owner cannot subscribe, and hears nothing of the DM's traffic.
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)
    for ref in (cid, channel["name"]):
        await ws.send({"type": "subscribe", "channel": ref})
        error = await ws.expect("error")
        assert error["code"] == "NOT_FOUND"
    await org.post("another secret", channel=cid, token=key)
    await api.ok("POST", f"{API}/posts/{root['id']}/reactions", {"emoji": "eyes"}, token=member_token, status=201)
    await nothing_more(ws)
    ws.close()


@pytest.mark.gen_test
async def test_dm_created_event_reaches_the_two_only(api, ws_connect):
    org = await api.register()
    member, member_token = await org.user()
    agent, key = await org.agent()
    owner_ws, _ = await open_ws(ws_connect, org.token)
    agent_ws, _ = await open_ws(ws_connect, key)
    await owner_ws.expect("agent.online")
    channel = await dm(api, member_token, agent["id"], "agent", status=201)
    event = await agent_ws.expect("channel.created")
    assert event["data"]["id"] == channel["id"]
    await nothing_more(owner_ws)
    owner_ws.close()
    agent_ws.close()


@pytest.mark.gen_test
async def test_dm_list_newest_post_first(api):
    org = await api.register()
    first, _ = await org.agent("first")
    second, _ = await org.agent("second")
    one = await dm(api, org.token, first["id"], "agent")
    two = await dm(api, org.token, second["id"], "agent")
    await org.post("later", channel=one["id"])
    assert [c["id"] for c in await api.ok("GET", f"{API}/dm", token=org.token)] == [one["id"], two["id"]]
    await org.post("latest", channel=two["id"])
    assert [c["id"] for c in await api.ok("GET", f"{API}/dm", token=org.token)] == [two["id"], one["id"]]


@pytest.mark.gen_test
async def test_people_directory(api):
    org = await api.register(name="Grace Hopper")
    member, member_token = await org.user()
    agent, key = await org.agent()
    other = await api.register(name="Grace Elsewhere")
    people = await api.ok("GET", f"{API}/users?q=grace", token=member_token)
    assert [p["id"] for p in people] == [org.owner["id"]]
    assert set(people[0]) == {"id", "org_id", "name", "role", "created_at"}  # no email for a member
    assert (await api.ok("GET", f"{API}/users/{member['id']}", token=member_token))["email"] == member["email"]
    assert (await api.ok("GET", f"{API}/users/{member['id']}", token=org.token))["email"] == member["email"]
    assert "email" not in await api.ok("GET", f"{API}/users/{org.owner['id']}", token=key)
    assert len(await api.ok("GET", f"{API}/users", token=key)) == 2
    assert await api.ok("GET", f"{API}/users?q=%25", token=key) == []  # a plain substring, no wildcard
    await api.error("GET", f"{API}/users/{other.owner['id']}", token=org.token, code="NOT_FOUND")
    await api.error("GET", f"{API}/users/nope", token=org.token, code="NOT_FOUND")


@pytest.mark.gen_test
async def test_a_channel_already_holding_the_dm_name_is_a_conflict_not_a_crash(api):
    """A channel named like a DM before dm- names were reserved (written to the database, as
    an older hub would have) makes POST /dm answer 409, never a 500."""
    from agenthq.models import Channel

    from tests.support import owner_identity

    org = await api.register()
    agent, _ = await org.agent()
    name = "dm-" + "-".join(sorted([org.owner["id"].lower(), agent["id"].lower()]))
    Channel.create(org_id=org.id, name=name, type="public", created_by=owner_identity(org).id)
    await api.error("POST", f"{API}/dm", {"member_id": agent["id"], "member_type": "agent"}, token=org.token,
                    code="CHANNEL_EXISTS", status=409)


@pytest.mark.gen_test
async def test_dms_carry_the_callers_read_state(api):
    """§9: GET /dm and POST /dm answer channels with member, last_read_seq, unread_count and
    mention_count, as GET /channels does."""
    org = await api.register(name="Ada")
    member, member_token = await org.user()
    agent, key = await org.agent("helper")
    opened = await dm(api, member_token, agent["id"], "agent", status=201)
    assert opened["member"] is True and opened["unread_count"] == 0 and opened["mention_count"] == 0
    await org.post("one", channel=opened["id"], token=key)
    await org.post("two", channel=opened["id"], token=key)
    [listed] = await api.ok("GET", f"{API}/dm", token=member_token)
    assert (listed["id"], listed["member"], listed["unread_count"]) == (opened["id"], True, 2)
    again = await dm(api, member_token, agent["id"], "agent", status=200)
    assert again["unread_count"] == 2
    read = await api.ok("POST", f"{API}/channels/{opened['id']}/read", {}, token=member_token)
    assert read["unread_count"] == 0
    [listed] = await api.ok("GET", f"{API}/dm", token=member_token)
    assert listed["unread_count"] == 0 and listed["last_read_seq"] == read["last_read_seq"]
    # The author's own posts are never unread for it.
    [theirs] = await api.ok("GET", f"{API}/dm", token=key)
    assert theirs["unread_count"] == 0
