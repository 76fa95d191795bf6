"""Threads (§7) over REST and /ws: root and counters on posts, replies out of lists and
search, the thread read, thread.updated, and the subtree a delete takes with it."""

import pytest

from tests.support import nothing_more, open_ws, subscribe

API = "/api/v1"


async def make_thread(org):
    root = await org.post("which region for the new cache?", type="question")
    first = await org.post("eu-west, close to the db", parent_id=root["id"])
    nested = await org.post("agreed, latency matters", parent_id=first["id"])
    return root, first, nested


@pytest.mark.gen_test
async def test_replies_carry_their_root_and_the_root_counts_them(api):
    org = await api.register()
    root, first, nested = await make_thread(org)
    assert root["root_id"] is None and root["reply_count"] == 0 and root["last_reply_at"] is None
    assert first["root_id"] == root["id"] and nested["root_id"] == root["id"] and nested["reply_count"] == 0
    assert isinstance(root["seq"], int) and root["seq"] < first["seq"] < nested["seq"]
    got = await api.ok("GET", f"{API}/posts/{root['id']}", token=org.token)
    assert got["reply_count"] == 2 and got["last_reply_at"] == nested["created_at"]
    assert got["metadata"] == {"reply_count": 2}
    assert got["updated_at"] == root["updated_at"]  # a reply is no edit of the root


@pytest.mark.gen_test
async def test_client_cannot_set_the_mirrored_reply_count(api):
    org = await api.register()
    post = await org.post("hi", metadata={"reply_count": 99, "k": 1})
    assert post["metadata"] == {"k": 1}


@pytest.mark.gen_test
async def test_lists_and_search_leave_replies_out_unless_asked(api):
    org = await api.register()
    root, first, nested = await make_thread(org)
    general = await org.channel_id()
    for path in (f"{API}/posts", f"{API}/posts?channel_id={general}", f"{API}/channels/{general}/posts",
                 f"{API}/posts?author_id=me"):
        code, body = await api.call("GET", path, token=org.token, expect=200)
        assert [p["id"] for p in body["data"]] == [root["id"]], path
        assert body["pagination"]["total"] == 1
        sep = "&" if "?" in path else "?"
        code, body = await api.call("GET", f"{path}{sep}include_replies=true", token=org.token, expect=200)
        assert [p["id"] for p in body["data"]] == [nested["id"], first["id"], root["id"]], path
        assert body["pagination"]["total"] == 3
    found = await api.ok("GET", f"{API}/posts/search?q=latency", token=org.token)
    assert found == []
    found = await api.ok("GET", f"{API}/posts/search?q=latency&include_replies=true", token=org.token)
    assert [p["id"] for p in found] == [nested["id"]]
    await api.error("GET", f"{API}/posts?include_replies=maybe", token=org.token, code="VALIDATION_ERROR")


@pytest.mark.gen_test
async def test_thread_read_from_any_post_of_it(api):
    org, other = await api.register(), await api.register()
    root, first, nested = await make_thread(org)
    second = await org.post("or us-east", parent_id=root["id"])
    expected = [root["id"], first["id"], nested["id"], second["id"]]
    for member in expected:
        assert [p["id"] for p in await api.ok("GET", f"{API}/posts/{member}/thread", token=org.token)] == expected
    code, body = await api.call("GET", f"{API}/posts/{nested['id']}/thread?limit=2&page=2", token=org.token)
    assert [p["id"] for p in body["data"]] == expected[2:] and body["pagination"]["total"] == 4
    await api.error("GET", f"{API}/posts/{root['id']}/thread", token=other.token, code="NOT_FOUND")
    await api.error("GET", f"{API}/posts/nope/thread", token=org.token, code="NOT_FOUND")


@pytest.mark.gen_test
async def test_thread_of_a_private_channel_is_not_found_for_a_non_member(api):
    org = await api.register()
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                          status=201)
    root = await org.post("quiet", channel=secret["id"])
    _, member = await org.user()
    await api.error("GET", f"{API}/posts/{root['id']}/thread", token=member, code="NOT_FOUND")


@pytest.mark.gen_test
async def test_reply_emits_post_created_then_thread_updated(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)
    root = await org.post("question")
    await ws.expect("post.created")
    reply = await org.post("answer", parent_id=root["id"])
    created = await ws.recv()
    updated = await ws.recv()
    assert created["type"] == "post.created" and created["data"] == reply
    assert updated["type"] == "thread.updated" and updated["channel"] == general
    assert updated["data"] == {"root_id": root["id"], "channel_id": general, "reply_count": 1,
                               "last_reply_at": reply["created_at"], "last_reply_id": reply["id"]}
    assert updated["seq"] == created["seq"] + 1
    await nothing_more(ws)  # and no post.updated of the root


@pytest.mark.gen_test
async def test_delete_takes_the_subtree_replies_first(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    root, first, nested = await make_thread(org)
    second = await org.post("or us-east", parent_id=root["id"])
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)

    await api.ok("DELETE", f"{API}/posts/{first['id']}", token=org.token)
    frames = [await ws.recv() for _ in range(3)]
    assert [(f["type"], f["data"].get("id") or f["data"].get("root_id")) for f in frames] == [
        ("post.deleted", nested["id"]), ("post.deleted", first["id"]), ("thread.updated", root["id"])]
    assert frames[2]["data"]["reply_count"] == 1 and frames[2]["data"]["last_reply_id"] == second["id"]
    await api.error("GET", f"{API}/posts/{nested['id']}", token=org.token, code="NOT_FOUND")
    assert (await api.ok("GET", f"{API}/posts/{root['id']}", token=org.token))["reply_count"] == 1

    await api.ok("DELETE", f"{API}/posts/{root['id']}", token=org.token)
    frames = [await ws.recv() for _ in range(2)]
    assert [(f["type"], f["data"]["id"]) for f in frames] == [
        ("post.deleted", second["id"]), ("post.deleted", root["id"])]
    await nothing_more(ws)
    assert await api.ok("GET", f"{API}/posts?include_replies=true", token=org.token) == []
