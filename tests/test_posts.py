"""/posts: write, read, list with filters, edit and delete (author or owner/admin)."""

import asyncio

import pytest

API = "/api/v1"
POST_FIELDS = {
    "id", "org_id", "channel_id", "author_id", "author_type", "type", "title", "content",
    "metadata", "parent_id", "pinned", "created_at", "updated_at", "edited_at", "pinned_at", "pinned_by", "reactions",
}


@pytest.mark.gen_test
async def test_create_with_defaults(api):
    org = await api.register()
    channel = await org.channel_id()
    body = {"channel_id": channel, "content": "hello"}
    post = await api.ok("POST", f"{API}/posts", body, token=org.token, status=201)
    assert set(post) == POST_FIELDS
    assert post["content"] == "hello" and post["type"] == "update" and post["title"] is None
    assert post["metadata"] == {} and post["parent_id"] is None and post["pinned"] is False
    assert post["author_id"] == org.owner["id"] and post["author_type"] == "user"
    assert post["org_id"] == org.id and post["channel_id"] == channel
    assert post["created_at"] == post["updated_at"]
    got = await api.ok("GET", f"{API}/posts/{post['id']}", token=org.token)
    assert {name: got[name] for name in POST_FIELDS} == got["post"] == post


@pytest.mark.gen_test
async def test_create_with_every_field_by_an_agent(api):
    org = await api.register()
    agent, key = await org.agent()
    body = {"channel_id": await org.channel_id("alerts"), "content": "disk at 91%", "type": "alert",
            "title": "Disk", "metadata": {"host": "db-1", "pct": 91}}
    post = await api.ok("POST", f"{API}/posts", body, token=key, status=201)
    assert {k: post[k] for k in body} == body
    assert post["author_id"] == agent["id"] and post["author_type"] == "agent"
    # Unknown fields are ignored, and the author cannot be chosen by the caller.
    post = await org.post("x", token=key, author_id=org.owner["id"], pinned=True)
    assert post["author_id"] == agent["id"] and post["pinned"] is False
    for type_ in ("update", "insight", "question", "answer", "alert", "metric"):
        assert (await org.post(type_, type=type_))["type"] == type_


@pytest.mark.gen_test
async def test_replies(api):
    org = await api.register()
    question = await org.post("why?", type="question")
    answer = await org.post("because", type="answer", parent_id=question["id"])
    assert answer["parent_id"] == question["id"]
    # A reply goes to its parent's channel, whatever channel_id says (test_compat_posts.py).
    elsewhere = await org.post("other", channel="updates")
    reply = await api.ok("POST", f"{API}/posts", {"channel_id": await org.channel_id(), "content": "x",
                                                  "parent_id": elsewhere["id"]}, token=org.token, status=201)
    assert reply["channel_id"] == elsewhere["channel_id"]
    await api.error("POST", f"{API}/posts", {"channel_id": await org.channel_id(), "content": "x",
                                             "parent_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, token=org.token,
                    code="NOT_FOUND", status=404)


@pytest.mark.gen_test
async def test_create_validation(api):
    org = await api.register()
    channel = await org.channel_id()
    assert len((await org.post("x" * 20000))["content"]) == 20000
    assert len((await org.post("x", title="t" * 300))["title"]) == 300
    for body, field in [
        ({"content": "x"}, "channel_id"),
        ({"channel_id": channel}, "content"),
        ({"channel_id": channel, "content": ""}, "content"),
        ({"channel_id": channel, "content": "   \n\t"}, "content"),
        ({"channel_id": channel, "content": "x" * 20001}, "content"),
        ({"channel_id": channel, "content": 42}, "content"),
        ({"channel_id": channel, "content": "x", "title": "t" * 301}, "title"),
        ({"channel_id": channel, "content": "x", "type": "poem"}, "type"),
        ({"channel_id": channel, "content": "x", "metadata": "m"}, "metadata"),
        ({"channel_id": channel, "content": "x", "metadata": [1]}, "metadata"),
        ({"channel_id": channel, "content": "x", "metadata": {"blob": "x" * 70_000}}, "metadata"),
        ({"channel_id": channel, "content": "x", "parent_id": "p"}, "parent_id"),
    ]:
        error = await api.error("POST", f"{API}/posts", body, token=org.token, code="VALIDATION_ERROR", status=400)
        assert error["field"] == field, (body, error)


@pytest.mark.gen_test
async def test_author_edits_and_deletes(api):
    org = await api.register()
    _, member = await org.user("member")
    post = await org.post("first draft", token=member, title="Draft")
    edited = await api.ok("PATCH", f"{API}/posts/{post['id']}", {"content": "second draft"}, token=member)
    assert edited["content"] == "second draft" and edited["title"] == "Draft"
    assert edited["created_at"] == post["created_at"] and edited["updated_at"] >= post["updated_at"]
    edited = await api.ok("PATCH", f"{API}/posts/{post['id']}", {"title": None}, token=member)
    assert edited["title"] is None and edited["content"] == "second draft"
    # Only title and content change through PATCH.
    edited = await api.ok("PATCH", f"{API}/posts/{post['id']}",
                          {"type": "alert", "channel_id": await org.channel_id("alerts"), "pinned": True},
                          token=member)
    assert (edited["type"], edited["channel_id"], edited["pinned"]) == (post["type"], post["channel_id"], False)
    got = await api.ok("GET", f"{API}/posts/{post['id']}", token=org.token)
    assert got["post"] == edited and {name: got[name] for name in POST_FIELDS} == edited

    for body, field in [({"content": ""}, "content"), ({"content": " "}, "content"),
                        ({"content": "x" * 20001}, "content"), ({"title": "t" * 301}, "title")]:
        error = await api.error("PATCH", f"{API}/posts/{post['id']}", body, token=member, code="VALIDATION_ERROR")
        assert error["field"] == field

    assert await api.ok("DELETE", f"{API}/posts/{post['id']}", token=member) == {"deleted": True}
    await api.error("GET", f"{API}/posts/{post['id']}", token=member, code="NOT_FOUND", status=404)
    await api.error("PATCH", f"{API}/posts/{post['id']}", {"content": "x"}, token=member, code="NOT_FOUND")
    await api.error("DELETE", f"{API}/posts/{post['id']}", token=member, code="NOT_FOUND", status=404)


@pytest.mark.gen_test
async def test_who_may_edit_or_delete(api):
    org = await api.register()
    _, author = await org.user("member")
    _, other = await org.user("member")
    _, admin = await org.user("admin")
    agent, key = await org.agent()

    post = await org.post("by a member", token=author)
    for token in (other, key):
        await api.error("PATCH", f"{API}/posts/{post['id']}", {"content": "no"}, token=token, code="FORBIDDEN",
                        status=403)
        await api.error("DELETE", f"{API}/posts/{post['id']}", token=token, code="FORBIDDEN", status=403)
    assert (await api.ok("GET", f"{API}/posts/{post['id']}", token=other))["content"] == "by a member"

    # Owner and admin moderate anybody's posts.
    assert (await api.ok("PATCH", f"{API}/posts/{post['id']}", {"content": "by admin"}, token=admin))[
        "content"] == "by admin"
    assert (await api.ok("PATCH", f"{API}/posts/{post['id']}", {"content": "by owner"}, token=org.token))[
        "content"] == "by owner"
    assert await api.ok("DELETE", f"{API}/posts/{post['id']}", token=admin) == {"deleted": True}
    agents_post = await org.post("by an agent", token=key)
    assert await api.ok("DELETE", f"{API}/posts/{agents_post['id']}", token=org.token) == {"deleted": True}

    # An agent edits and deletes its own posts.
    own = await org.post("mine", token=key)
    assert (await api.ok("PATCH", f"{API}/posts/{own['id']}", {"content": "still mine"}, token=key))[
        "author_id"] == agent["id"]
    await api.error("PATCH", f"{API}/posts/{own['id']}", {"content": "no"}, token=author, code="FORBIDDEN")
    assert await api.ok("DELETE", f"{API}/posts/{own['id']}", token=key) == {"deleted": True}


@pytest.mark.gen_test
async def test_list_filters(api):
    org = await api.register()
    agent, key = await org.agent()
    general, updates = await org.channel_id("general"), await org.channel_id("updates")
    a = await org.post("a", type="insight")
    b = await org.post("b", channel="updates", token=key)
    await asyncio.sleep(0.005)  # timestamps have millisecond resolution
    c = await org.post("c", channel="updates", type="insight", token=key)
    d = await org.post("d", type="alert", token=key)

    async def ids(query=""):
        return [p["id"] for p in await api.ok("GET", f"{API}/posts?{query}", token=org.token)]

    assert await ids() == [d["id"], c["id"], b["id"], a["id"]]  # newest first
    assert await ids(f"channel_id={updates}") == [c["id"], b["id"]]
    assert await ids(f"channel_id={general}") == [d["id"], a["id"]]
    assert await ids("type=insight") == [c["id"], a["id"]]
    assert await ids(f"author_id={agent['id']}") == [d["id"], c["id"], b["id"]]
    assert await ids(f"author_id={org.owner['id']}") == [a["id"]]
    assert await ids(f"author_id={agent['id']}&type=insight&channel_id={updates}") == [c["id"]]
    since = b["created_at"]
    assert await ids(f"since={since}") == [d["id"], c["id"]]  # strictly after
    assert await ids("since=2000-01-01T00:00:00Z") == await ids()
    assert await ids("since=2999-01-01T00:00:00.000Z") == []
    # Any ISO 8601 form is read, offsets included.
    assert await ids("since=2000-01-01T01:00:00%2B01:00") == await ids()

    _, page = await api.call("GET", f"{API}/posts?limit=3&page=2", token=org.token, expect=200)
    assert [p["id"] for p in page["data"]] == [a["id"]]
    assert page["pagination"] == {"page": 2, "limit": 3, "total": 4, "hasMore": False}

    for query, field in [("type=poem", "type"), ("since=yesterday", "since"), ("author_id=x", "author_id")]:
        error = await api.error("GET", f"{API}/posts?{query}", token=org.token, code="VALIDATION_ERROR", status=400)
        assert error["field"] == field


@pytest.mark.gen_test
async def test_private_channel_posts_are_for_members(api):
    org = await api.register()
    _, member = await org.user("member")
    room = await api.ok("POST", f"{API}/channels", {"name": "room", "type": "private"}, token=org.token, status=201)
    secret = await org.post("secret", channel=room["id"])
    await api.error("POST", f"{API}/posts", {"channel_id": room["id"], "content": "let me in"}, token=member,
                    code="NOT_FOUND", status=404)
    await api.error("GET", f"{API}/posts/{secret['id']}", token=member, code="NOT_FOUND")
    await api.error("GET", f"{API}/channels/{room['id']}/posts", token=member, code="NOT_FOUND")
    await api.error("GET", f"{API}/posts?channel_id={room['id']}", token=member, code="NOT_FOUND")
    assert secret["id"] not in [p["id"] for p in await api.ok("GET", f"{API}/posts", token=member)]
    # Even an admin who is not in the room cannot moderate what it cannot see.
    _, admin = await org.user("admin")
    await api.error("DELETE", f"{API}/posts/{secret['id']}", token=admin, code="NOT_FOUND")
    await api.error("PATCH", f"{API}/posts/{secret['id']}", {"content": "x"}, token=admin, code="NOT_FOUND")


@pytest.mark.gen_test
async def test_concurrent_writes_all_land_in_order(api):
    org = await api.register()
    _, key = await org.agent()
    channel = await org.channel_id()
    made = await asyncio.gather(*[
        api.ok("POST", f"{API}/posts", {"channel_id": channel, "content": f"n{i}"}, token=org.token if i % 2 else key,
               status=201)
        for i in range(30)
    ])
    _, body = await api.call("GET", f"{API}/posts?limit=100", token=org.token, expect=200)
    assert body["pagination"]["total"] == 30
    listed = [p["id"] for p in body["data"]]
    assert sorted(listed, reverse=True) == listed and set(listed) == {p["id"] for p in made}
