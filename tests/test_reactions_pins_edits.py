"""Reactions, edit history and pins (SPEC §10), over REST and /ws."""

from urllib.parse import quote

import pytest

from tests.support import nothing_more, open_ws, subscribe

API = "/api/v1"


@pytest.mark.gen_test
async def test_reactions_are_idempotent_with_counts_on_two_sockets(api, ws_connect):
    org = await api.register()
    agent, key = await org.agent("bot")
    general = await org.channel_id()
    post = await org.post("deployed", token=key)
    owner_ws, _ = await open_ws(ws_connect, org.token)
    agent_ws, _ = await open_ws(ws_connect, key)
    for ws in (owner_ws, agent_ws):
        await subscribe(ws, general)
    path = f"{API}/posts/{post['id']}/reactions"

    first = await api.ok("POST", path, {"emoji": ":eyes:"}, token=org.token, status=201)
    assert set(first) == {"id", "org_id", "post_id", "author_id", "author_type", "emoji", "created_at"}
    assert (first["emoji"], first["author_id"], first["author_type"]) == ("eyes", org.owner["id"], "user")
    for ws in (owner_ws, agent_ws):
        event = await ws.expect("reaction.created")
        assert event["data"] == {**first, "channel_id": general, "count": 1}
    # The same again, in either spelling: 200, the same reaction, no event.
    assert await api.ok("POST", path, {"emoji": "eyes"}, token=org.token, status=200) == first
    await nothing_more(owner_ws)
    await api.ok("POST", path, {"emoji": "eyes"}, token=key, status=201)
    await api.ok("POST", path, {"emoji": "✅"}, token=key, status=201)
    for ws in (owner_ws, agent_ws):
        assert (await ws.expect("reaction.created"))["data"]["count"] == 2
        assert (await ws.expect("reaction.created"))["data"]["count"] == 1
    summary = [{"emoji": "eyes", "count": 2, "authors": [{"id": org.owner["id"], "type": "user"},
                                                         {"id": agent["id"], "type": "agent"}]},
               {"emoji": "✅", "count": 1, "authors": [{"id": agent["id"], "type": "agent"}]}]
    assert await api.ok("GET", path, token=key) == summary
    assert (await api.ok("GET", f"{API}/posts/{post['id']}", token=key))["reactions"] == summary
    listed = await api.ok("GET", f"{API}/channels/{general}/posts", token=key)
    assert listed[0]["reactions"] == summary

    # Removing: one's own only; the URL-encoded emoji; count after.
    assert await api.ok("DELETE", f"{path}/{quote('✅')}", token=org.token) == {"removed": False}
    assert await api.ok("DELETE", f"{path}/{quote('✅')}", token=key) == {"removed": True}
    for ws in (owner_ws, agent_ws):
        event = await ws.expect("reaction.deleted")
        assert event["data"] == {"post_id": post["id"], "channel_id": general, "emoji": "✅",
                                 "author_id": agent["id"], "author_type": "agent", "count": 0}
    assert await api.ok("DELETE", f"{path}/{quote('✅')}", token=key) == {"removed": False}
    await nothing_more(agent_ws)
    assert await api.ok("GET", path, token=key) == summary[:1]
    owner_ws.close()
    agent_ws.close()


@pytest.mark.gen_test
async def test_reaction_validation(api):
    org = await api.register()
    post = await org.post()
    path = f"{API}/posts/{post['id']}/reactions"
    for bad in ["", "two words", "x" * 33, "tab\t", "nul\x00", 5, None, ":" + "x" * 33 + ":", "no\u00a0break"]:
        await api.error("POST", path, {"emoji": bad}, token=org.token, code="VALIDATION_ERROR")
    await api.error("POST", f"{API}/posts/{'0' * 26}/reactions", {"emoji": "ok"}, token=org.token, code="NOT_FOUND")
    assert (await api.ok("POST", path, {"emoji": "x" * 32}, token=org.token, status=201))["emoji"] == "x" * 32
    wrapped = await api.ok("POST", path, {"emoji": ":" + "y" * 32 + ":"}, token=org.token, status=201)
    assert wrapped["emoji"] == "y" * 32
    assert (await api.ok("POST", path, {"emoji": "::"}, token=org.token, status=201))["emoji"] == "::"
    assert await api.ok("DELETE", f"{path}/%20", token=org.token) == {"removed": False}


@pytest.mark.gen_test
async def test_edit_history_for_author_and_admins_only(api):
    org = await api.register()
    member, member_token = await org.user()
    other, other_token = await org.user()
    post = await org.post("first draft", token=member_token, title="v1")
    assert post["edited_at"] is None
    path = f"{API}/posts/{post['id']}"
    # A PATCH that changes nothing stores nothing.
    same = await api.ok("PATCH", path, {"content": "first draft"}, token=member_token)
    assert same["edited_at"] is None
    assert await api.ok("GET", f"{path}/edits", token=member_token) == []
    await api.ok("PATCH", path, {"content": "second draft"}, token=member_token)
    edited = await api.ok("PATCH", path, {"title": "v2"}, token=org.token)
    assert edited["edited_at"] is not None and edited["title"] == "v2"
    history = await api.ok("GET", f"{path}/edits", token=member_token)
    assert [(e["previous_title"], e["previous_content"]) for e in history] == [
        ("v1", "second draft"), ("v1", "first draft")]
    assert history[0]["edited_by"] == org.owner["id"] and history[1]["edited_by"] == member["id"]
    assert set(history[0]) == {"id", "post_id", "org_id", "previous_content", "previous_title", "edited_by",
                               "created_at"}
    assert await api.ok("GET", f"{path}/edits", token=org.token) == history
    await api.error("GET", f"{path}/edits", token=other_token, code="FORBIDDEN")
    agent, key = await org.agent()
    await api.error("GET", f"{path}/edits", token=key, code="FORBIDDEN")


@pytest.mark.gen_test
async def test_pins_pinned_first_and_events(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    old = await org.post("old")
    middle = await org.post("middle")
    new = await org.post("new")
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)
    pinned = await api.ok("POST", f"{API}/posts/{old['id']}/pin", token=org.token)
    assert pinned["pinned"] is True and pinned["pinned_by"] == org.owner["id"] and pinned["pinned_at"]
    event = await ws.expect("post.updated")
    assert event["data"]["id"] == old["id"] and event["data"]["pinned"] is True
    # Again: the same post, no event.
    assert (await api.ok("POST", f"{API}/posts/{old['id']}/pin", token=org.token))["pinned"] is True
    await nothing_more(ws)

    for path in (f"{API}/channels/{general}/posts", f"{API}/posts?channel_id={general}",
                 f"{API}/posts?type=update"):
        assert [p["content"] for p in await api.ok("GET", path, token=org.token)][:3] == ["old", "new", "middle"]
        sep = "&" if "?" in path else "?"
        plain = await api.ok("GET", f"{path}{sep}pinned_first=false", token=org.token)
        assert [p["content"] for p in plain][:3] == ["new", "middle", "old"]
    # Paging across the pinned and the rest.
    page = await api.ok("GET", f"{API}/channels/{general}/posts?limit=2&page=2", token=org.token)
    assert [p["content"] for p in page] == ["middle"]
    await api.error("GET", f"{API}/channels/{general}/posts?pinned_first=maybe", token=org.token,
                    code="VALIDATION_ERROR")

    await api.ok("POST", f"{API}/posts/{new['id']}/pin", token=org.token)
    pins = await api.ok("GET", f"{API}/channels/{general}/pins", token=org.token)
    assert [p["id"] for p in pins] == [new["id"], old["id"]]  # newest pin first
    unpinned = await api.ok("DELETE", f"{API}/posts/{old['id']}/pin", token=org.token)
    assert (unpinned["pinned"], unpinned["pinned_at"], unpinned["pinned_by"]) == (False, None, None)
    assert [p["id"] for p in await api.ok("GET", f"{API}/channels/general/pins", token=org.token)] == [new["id"]]

    # A reader who is not a member of the channel may not pin; a member agent may.
    member, member_token = await org.user()
    await api.error("POST", f"{API}/posts/{middle['id']}/pin", token=member_token, code="FORBIDDEN")
    await api.ok("POST", f"{API}/channels/{general}/join", token=member_token)
    await api.ok("POST", f"{API}/posts/{middle['id']}/pin", token=member_token)
    ws.close()


@pytest.mark.gen_test
async def test_another_orgs_ids_are_not_found(api):
    org = await api.register()
    other = await api.register()
    post = await org.post()
    await api.ok("POST", f"{API}/posts/{post['id']}/reactions", {"emoji": "eyes"}, token=org.token, status=201)
    agent, _ = await org.agent()
    general = await org.channel_id()
    for method, path, body in [
        ("GET", f"/posts/{post['id']}/reactions", None),
        ("POST", f"/posts/{post['id']}/reactions", {"emoji": "eyes"}),
        ("DELETE", f"/posts/{post['id']}/reactions/eyes", None),
        ("POST", f"/posts/{post['id']}/pin", None),
        ("DELETE", f"/posts/{post['id']}/pin", None),
        ("GET", f"/posts/{post['id']}/edits", None),
        ("GET", f"/channels/{general}/pins", None),
        ("GET", f"/users/{org.owner['id']}", None),
        ("POST", "/dm", {"member_id": agent["id"], "member_type": "agent"}),
        ("POST", "/dm", {"member_id": org.owner["id"], "member_type": "user"}),
    ]:
        await api.error(method, f"{API}{path}", body, token=other.token, code="NOT_FOUND")
