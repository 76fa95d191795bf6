"""SPEC §6.2 amendments, black-box: replies take their parent's channel, GET /posts/:id in the
original server's shape, long activity actions, channel stats, /health."""

import asyncio

import pytest

API = "/api/v1"
POST_FIELDS = {"id", "org_id", "channel_id", "author_id", "author_type", "type", "title", "content",
               "metadata", "parent_id", "pinned", "created_at", "updated_at", "edited_at", "pinned_at",
               "pinned_by", "reactions"}


@pytest.fixture
def config_overrides():
    return {"rest_rate": 0}  # the long-thread test writes 1,001 replies


@pytest.mark.gen_test
async def test_a_reply_takes_its_parents_channel(api):
    org = await api.register()
    question = await org.post("which region?", channel="updates", type="question")
    general = await org.channel_id("general")
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                          status=201)
    _, member = await org.user()
    for channel_id in (general, "nowhere", "01ARZ3NDEKTSV4RRFFQ69G5FAV", secret["id"], None):
        body = {"content": "us-east", "type": "answer", "parent_id": question["id"]}
        if channel_id is not None:
            body["channel_id"] = channel_id
        reply = await api.ok("POST", f"{API}/posts", body, token=member, status=201)
        assert reply["channel_id"] == question["channel_id"] and reply["parent_id"] == question["id"]
    # Without parent_id, channel_id is required.
    for body in ({"content": "x"}, {"content": "x", "channel_id": None, "parent_id": None}):
        error = await api.error("POST", f"{API}/posts", body, token=org.token, code="VALIDATION_ERROR")
        assert error["field"] == "channel_id"


@pytest.mark.gen_test
async def test_an_unreadable_parent_is_not_found(api):
    org = await api.register()
    await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token, status=201)
    hidden = await org.post("inside", channel="secret")
    _, member = await org.user()
    other = await api.register()
    foreign = await other.post("elsewhere")
    general = await org.channel_id()
    for parent in (hidden["id"], foreign["id"], "01ARZ3NDEKTSV4RRFFQ69G5FAV"):
        for body in ({"parent_id": parent, "content": "x"}, {"parent_id": parent, "content": "x", "channel_id": general}):
            error = await api.error("POST", f"{API}/posts", body, token=member, code="NOT_FOUND", status=404)
            assert error["message"] == "Parent post not found"
    # Nothing was written.
    assert await api.ok("GET", f"{API}/posts?author_id=me", token=member) == []


@pytest.mark.gen_test
async def test_get_post_has_the_originals_keys(api):
    org = await api.register()
    agent, key = await org.agent("helper")
    root = await org.post("root question", type="question")
    first = await org.post("first answer", token=key, parent_id=root["id"])
    nested = await org.post("a follow-up", parent_id=first["id"])
    second = await org.post("second answer", token=key, parent_id=root["id"])
    deeper = await org.post("deeper", token=key, parent_id=nested["id"])
    await org.post("unrelated")

    got = await api.ok("GET", f"{API}/posts/{root['id']}", token=key)
    assert set(got) == POST_FIELDS | {"post", "thread", "thread_truncated", "authors", "author"}
    assert {name: got[name] for name in POST_FIELDS} == root and got["post"] == root
    assert [p["id"] for p in got["thread"]] == [first["id"], nested["id"], second["id"], deeper["id"]]
    assert [p["parent_id"] for p in got["thread"]] == [root["id"], first["id"], root["id"], nested["id"]]
    assert all(set(p) == POST_FIELDS for p in got["thread"]) and got["thread_truncated"] is False
    owner = {"id": org.owner["id"], "name": org.owner["name"], "type": "user"}
    assert got["author"] == owner
    assert got["authors"] == {org.owner["id"]: owner, agent["id"]: {"id": agent["id"], "name": "helper", "type": "agent"}}

    # A reply's own thread is what lies under it.
    under = await api.ok("GET", f"{API}/posts/{first['id']}", token=org.token)
    assert [p["id"] for p in under["thread"]] == [nested["id"], deeper["id"]]
    assert under["author"] == {"id": agent["id"], "name": "helper", "type": "agent"}

    # A deleted author keeps their posts, named by the id.
    await api.ok("DELETE", f"{API}/agents/{agent['id']}", token=org.token)
    under = await api.ok("GET", f"{API}/posts/{first['id']}", token=org.token)
    assert under["author"] == {"id": agent["id"], "name": agent["id"], "type": "agent"}
    assert under["authors"][agent["id"]]["name"] == agent["id"]


@pytest.mark.gen_test(timeout=120)
async def test_a_long_thread_is_cut_at_1000(api):
    org = await api.register()
    root = await org.post("a busy question")
    general = await org.channel_id()
    body = {"channel_id": general, "content": "me too", "parent_id": root["id"]}
    replies = []
    for start in range(0, 1001, 50):
        batch = [api.ok("POST", f"{API}/posts", body, token=org.token, status=201)
                 for _ in range(start, min(start + 50, 1001))]
        replies += await asyncio.gather(*batch)
    got = await api.ok("GET", f"{API}/posts/{root['id']}", token=org.token)
    oldest = sorted(r["id"] for r in replies)[:1000]
    assert [p["id"] for p in got["thread"]] == oldest and got["thread_truncated"] is True


@pytest.mark.gen_test
async def test_activity_takes_long_actions_and_resource_ids(api):
    org = await api.register()
    action = "tool:" + "x" * 995
    entry = await api.ok("POST", f"{API}/activity", {"action": action, "resource_id": "r" * 2000},
                         token=org.token, status=201)
    assert entry["action"] == action and len(entry["resource_id"]) == 2000
    found = await api.ok("GET", f"{API}/activity?action={action}", token=org.token)
    assert [e["id"] for e in found] == [entry["id"]]
    for body, field in [({"action": "x" * 1001}, "action"), ({"action": "x", "resource_id": "r" * 2001}, "resource_id")]:
        error = await api.error("POST", f"{API}/activity", body, token=org.token, code="VALIDATION_ERROR")
        assert error["field"] == field
    error = await api.error("GET", f"{API}/activity?action={'x' * 1001}", token=org.token, code="VALIDATION_ERROR")
    assert error["field"] == "action"


@pytest.mark.gen_test
async def test_channel_stats(api):
    org = await api.register()
    room = await api.ok("POST", f"{API}/channels", {"name": "room", "type": "private"}, token=org.token, status=201)
    agent, key = await org.agent("counter")
    await api.ok("POST", f"{API}/channels/{room['id']}/members", {"member_id": agent["id"], "member_type": "agent"},
                 token=org.token, status=201)
    first = await org.post("one", channel="room")
    await org.post("two", channel="room", token=key, parent_id=first["id"])
    assert await api.ok("GET", f"{API}/channels/{room['id']}/stats", token=key) == {"memberCount": 2, "postCount": 2}
    _, member = await org.user()
    await api.error("GET", f"{API}/channels/{room['id']}/stats", token=member, code="NOT_FOUND", status=404)


@pytest.mark.gen_test
async def test_health_has_success(api):
    code, payload = await api.call("GET", "/health", expect=200)
    assert set(payload) == {"success", "status", "timestamp"}
    assert payload["success"] is True and payload["status"] == "ok" and payload["timestamp"].endswith("Z")
