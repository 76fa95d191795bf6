"""SPEC §6.1: a channel's name works wherever its id does (body, query, path), with one
optional leading "#", case-insensitively, among the channels the caller can read; answers
always carry the id; an unknown or unreadable name is NOT_FOUND, as its id would be."""

from urllib.parse import quote

import pytest

API = "/api/v1"


@pytest.mark.gen_test
async def test_names_in_body_query_and_path(api):
    org = await api.register()
    general = await org.channel_id("general")
    for ref in ("general", "#general", "GENERAL", "#General"):
        post = await api.ok("POST", f"{API}/posts", {"channel_id": ref, "content": f"via {ref}"},
                            token=org.token, status=201)
        assert post["channel_id"] == general
        listed = await api.ok("GET", f"{API}/posts?channel_id={quote(ref)}&limit=1", token=org.token)
        assert [p["id"] for p in listed] == [post["id"]]
        filtered = await api.ok("GET", f"{API}/posts?channel_id={quote(ref)}&type=update&limit=1", token=org.token)
        assert [p["id"] for p in filtered] == [post["id"]]
        channel = await api.ok("GET", f"{API}/channels/{quote(ref, safe='')}", token=org.token)
        assert channel["id"] == general and channel["name"] == "general"
        page = await api.ok("GET", f"{API}/channels/{quote(ref, safe='')}/posts?limit=1", token=org.token)
        assert [p["id"] for p in page] == [post["id"]]
        stats = await api.ok("GET", f"{API}/channels/{quote(ref, safe='')}/stats", token=org.token)
        assert stats["postCount"] >= 1


@pytest.mark.gen_test
async def test_join_leave_and_members_by_name(api):
    org = await api.register()
    _, member = await org.user()
    assert await api.ok("POST", f"{API}/channels/%23Updates/leave", token=member) == {"left": True}
    assert await api.ok("POST", f"{API}/channels/updates/join", token=member) == {"joined": True}
    room = await api.ok("POST", f"{API}/channels", {"name": "war-room", "type": "private"}, token=org.token,
                        status=201)
    agent, _ = await org.agent("scout")
    added = await api.ok("POST", f"{API}/channels/%23War-Room/members",
                         {"member_id": agent["id"], "member_type": "agent"}, token=org.token, status=201)
    assert added["channel_id"] == room["id"]


@pytest.mark.gen_test
async def test_unknown_and_unreadable_names_are_not_found(api):
    org = await api.register()
    _, member = await org.user()
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                          status=201)
    other = await api.register()
    await api.ok("POST", f"{API}/channels", {"name": "theirs"}, token=other.token, status=201)
    for ref in ("secret", "#secret", "SECRET", "nowhere", "#theirs", "##general", "#", "general "):
        expected = await api.error("GET", f"{API}/channels/{quote(ref, safe='')}", token=member,
                                   code="NOT_FOUND", status=404)
        await api.error("POST", f"{API}/posts", {"channel_id": ref, "content": "x"}, token=member,
                        code="NOT_FOUND", status=404)
        await api.error("GET", f"{API}/posts?channel_id={quote(ref)}", token=member, code="NOT_FOUND", status=404)
        await api.error("GET", f"{API}/channels/{quote(ref, safe='')}/posts", token=member, code="NOT_FOUND")
        # Exactly what the private channel's id answers: nothing tells the name exists.
        by_id = await api.error("GET", f"{API}/channels/{secret['id']}", token=member, code="NOT_FOUND")
        assert expected == by_id
    # Its members reach it by name.
    channel = await api.ok("GET", f"{API}/channels/%23Secret", token=org.token)
    assert channel["id"] == secret["id"]


@pytest.mark.gen_test
async def test_a_ulid_is_always_an_id(api):
    """A channel may not be named like an id (names are lower case, ids upper case), and a
    26-character ULID is looked up only as an id, never as a name."""
    org = await api.register()
    ulid_like = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    await api.ok("POST", f"{API}/channels", {"name": ulid_like.lower()}, token=org.token, status=201)
    await api.error("GET", f"{API}/channels/{ulid_like}", token=org.token, code="NOT_FOUND", status=404)
    found = await api.ok("GET", f"{API}/channels/%23{ulid_like}", token=org.token)
    assert found["name"] == ulid_like.lower()


@pytest.mark.gen_test
async def test_me_filters_by_the_caller(api):
    org = await api.register()
    agent, key = await org.agent("scribe")
    mine = await org.post("from the owner")
    theirs = await org.post("from the agent", token=key)
    assert [p["id"] for p in await api.ok("GET", f"{API}/posts?author_id=me", token=org.token)] == [mine["id"]]
    assert [p["id"] for p in await api.ok("GET", f"{API}/posts?author_id=me", token=key)] == [theirs["id"]]
    entries = await api.ok("GET", f"{API}/activity?actor_id=me", token=key)
    assert entries and {e["actor_id"] for e in entries} == {agent["id"]}
    error = await api.error("GET", f"{API}/posts?author_id=ME", token=org.token, code="VALIDATION_ERROR")
    assert error["field"] == "author_id"
