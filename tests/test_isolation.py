"""Tenancy: another organization's ids are NOT_FOUND and its data never shows up in a list;
a private channel is invisible to whoever is not in it."""

from urllib.parse import quote

import pytest

API = "/api/v1"
WORD = "zanzibar"  # a search term both organizations use


async def populate(api):
    """An organization with an agent, a public post, a private channel and a post in it."""
    org = await api.register()
    agent, key = await org.agent(f"{WORD}-bot", capabilities=["shared"])
    post = await org.post(f"{WORD} public", token=key)
    private = await api.ok("POST", f"{API}/channels", {"name": "hidden", "type": "private"}, token=org.token,
                           status=201)
    secret = await org.post(f"{WORD} secret", channel=private["id"])
    await api.ok("POST", f"{API}/activity", {"action": "custom.note"}, token=key, status=201)
    return org, {"agent": agent, "key": key, "post": post, "private": private, "secret": secret}


def every_id_route(a):
    agent, channel, post = a["agent"]["id"], a["post"]["channel_id"], a["post"]["id"]
    return [
        ("GET", f"/agents/{agent}", None),
        ("PATCH", f"/agents/{agent}", {"name": "taken"}),
        ("DELETE", f"/agents/{agent}", None),
        ("POST", f"/agents/{agent}/heartbeat", {}),
        ("POST", f"/agents/{agent}/rotate-key", None),
        ("GET", f"/channels/{channel}", None),
        ("POST", f"/channels/{channel}/join", None),
        ("POST", f"/channels/{channel}/leave", None),
        ("GET", f"/channels/{channel}/posts", None),
        ("GET", f"/posts?channel_id={channel}", None),
        ("GET", f"/posts/{post}", None),
        ("PATCH", f"/posts/{post}", {"content": "defaced"}),
        ("DELETE", f"/posts/{post}", None),
        ("POST", "/posts", {"channel_id": channel, "content": "intruding"}),
    ]


@pytest.mark.gen_test
async def test_another_orgs_ids_are_not_found(api):
    a_org, a = await populate(api)
    b_org, b = await populate(api)
    for token in (b_org.token, b["key"]):
        for method, path, body in every_id_route(a):
            await api.error(method, API + path, body, token=token, code="NOT_FOUND", status=404)
        # Also when the foreign id sits in a body, next to the caller's own channel.
        await api.error("POST", f"{API}/posts", {"channel_id": b["post"]["channel_id"], "content": "reply",
                                                 "parent_id": a["post"]["id"]}, token=token, code="NOT_FOUND")
        await api.error("POST", f"{API}/channels/{b['private']['id']}/members",
                        {"member_id": a["agent"]["id"], "member_type": "agent"}, token=b_org.token, code="NOT_FOUND")
        await api.error("POST", f"{API}/channels/{b['private']['id']}/members",
                        {"member_id": a_org.owner["id"], "member_type": "user"}, token=b_org.token, code="NOT_FOUND")
    # Nothing of the first organization was changed by any of that.
    assert await api.ok("GET", f"{API}/agents/{a['agent']['id']}", token=a_org.token) == a["agent"]
    assert (await api.ok("GET", f"{API}/posts/{a['post']['id']}", token=a_org.token))["post"] == a["post"]
    await api.ok("GET", f"{API}/auth/me", token=a["key"])


@pytest.mark.gen_test
async def test_lists_never_show_another_org(api):
    a_org, a = await populate(api)
    b_org, b = await populate(api)
    own_ids = {b_org.id}
    for token in (b_org.token, b["key"]):
        for path in ["/agents", f"/agents/search?q={WORD}", "/agents/search?capabilities=shared", "/channels",
                     "/posts", f"/posts/search?q={WORD}", "/activity", f"/posts?author_id={a['agent']['id']}",
                     f"/activity?actor_id={a['agent']['id']}", "/activity?action=custom.note"]:
            _, body = await api.call("GET", f"{API}{path}&limit=100" if "?" in path else f"{API}{path}?limit=100",
                                     token=token, expect=200)
            assert {item["org_id"] for item in body["data"]} <= own_ids, path
            text = str(body)
            for foreign in (a_org.id, a["agent"]["id"], a["post"]["id"], a["private"]["id"], a["secret"]["id"]):
                assert foreign not in text, (path, foreign)
        found = await api.ok("GET", f"{API}/posts/search?q={WORD}", token=token)
        assert {p["id"] for p in found} >= {b["post"]["id"]}
    assert (await api.ok("GET", f"{API}/org", token=b_org.token))["id"] == b_org.id


@pytest.mark.gen_test
async def test_private_channels_are_invisible_to_non_members(api):
    org, a = await populate(api)
    private, secret = a["private"], a["secret"]
    _, member = await org.user("member")
    _, admin = await org.user("admin")
    outsiders = (member, admin, a["key"])  # the org's own agent is not in the channel either

    for token in outsiders:
        for method, path, body in [
            ("GET", f"/channels/{private['id']}", None),
            ("GET", f"/channels/{private['id']}/posts", None),
            ("POST", f"/channels/{private['id']}/join", None),
            ("POST", f"/channels/{private['id']}/members", {"member_id": org.owner["id"], "member_type": "user"}),
            ("GET", f"/posts?channel_id={private['id']}", None),
            ("GET", f"/posts/{secret['id']}", None),
            ("PATCH", f"/posts/{secret['id']}", {"content": "x"}),
            ("DELETE", f"/posts/{secret['id']}", None),
            ("POST", "/posts", {"channel_id": private["id"], "content": "x"}),
            ("POST", "/posts", {"channel_id": private["id"], "content": "x", "parent_id": secret["id"]}),
        ]:
            await api.error(method, API + path, body, token=token, code="NOT_FOUND", status=404)
        channel_names = [c["name"] for c in await api.ok("GET", f"{API}/channels?limit=100", token=token)]
        assert "hidden" not in channel_names
        listed = await api.ok("GET", f"{API}/posts?limit=100", token=token)
        assert secret["id"] not in {p["id"] for p in listed} and a["post"]["id"] in {p["id"] for p in listed}
        found = await api.ok("GET", f"{API}/posts/search?q={quote(WORD + ' secret')}", token=token)
        assert found == []
        found = await api.ok("GET", f"{API}/posts/search?q={WORD}", token=token)
        assert [p["id"] for p in found] == [a["post"]["id"]]

    # The owner, a member of the channel, sees everything; so does whoever it invites.
    assert {p["id"] for p in await api.ok("GET", f"{API}/posts/search?q={WORD}", token=org.token)} == {
        a["post"]["id"], secret["id"]}
    await api.ok("POST", f"{API}/channels/{private['id']}/members", {"member_id": a["agent"]["id"],
                                                                     "member_type": "agent"}, token=org.token,
                 status=201)
    assert (await api.ok("GET", f"{API}/posts/{secret['id']}", token=a["key"]))["post"] == secret
    assert len(await api.ok("GET", f"{API}/posts/search?q={WORD}", token=a["key"])) == 2


@pytest.mark.gen_test
async def test_not_yours_reads_exactly_like_missing(api):
    """The error body gives nothing away: another org's id, a private channel one is not in,
    and an id that names nothing all answer the same bytes."""
    a_org, a = await populate(api)
    b_org, _ = await populate(api)
    _, outsider = await a_org.user("member")
    nobody = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    for kind, foreign, private in [
        ("channels", a["post"]["channel_id"], a["private"]["id"]),
        ("posts", a["post"]["id"], a["secret"]["id"]),
        ("agents", a["agent"]["id"], None),
    ]:
        missing = await api.error("GET", f"{API}/{kind}/{nobody}", token=b_org.token, code="NOT_FOUND")
        assert await api.error("GET", f"{API}/{kind}/{foreign}", token=b_org.token) == missing
        if private:
            assert await api.error("GET", f"{API}/{kind}/{private}", token=outsider) == missing


@pytest.mark.gen_test
async def test_activity_about_a_private_channel_is_for_its_members_and_admins(api):
    """The audit log must not tell a non-member a private channel's name or what is posted in
    it. Owners and admins keep the whole log, as in Slack's admin audit log."""
    org, a = await populate(api)
    private, secret = a["private"], a["secret"]
    agent2, _ = await org.agent("invitee")
    await api.ok("POST", f"{API}/channels/{private['id']}/members", {"member_id": agent2["id"], "member_type": "agent"},
                 token=org.token, status=201)
    await api.ok("PATCH", f"{API}/posts/{secret['id']}", {"content": "edited secret"}, token=org.token)
    doomed = await org.post("short-lived secret", channel=private["id"])
    await api.ok("DELETE", f"{API}/posts/{doomed['id']}", token=org.token)
    _, member = await org.user("member")

    async def log(token, query=""):
        return await api.ok("GET", f"{API}/activity?limit=100{query}", token=token)

    def about_private(entries):
        return [e for e in entries if e["resource_id"] in (private["id"], secret["id"], doomed["id"])
                or e["details"].get("channel_id") == private["id"]]

    full = about_private(await log(org.token))
    assert {e["action"] for e in full} == {"channel.created", "channel.member_added", "post.created", "post.updated",
                                           "post.deleted"}
    for outsider in (member, a["key"]):
        entries = await log(outsider)
        assert about_private(entries) == [], about_private(entries)
        assert "hidden" not in str(entries)
        assert a["post"]["id"] in {e["resource_id"] for e in entries}  # the public post's entry stays
        _, body = await api.call("GET", f"{API}/activity?action=post.created", token=outsider, expect=200)
        assert body["pagination"]["total"] == 1  # the total counts only what may be seen
    # Entries that name no channel at all (client notes, agent registrations) stay visible.
    assert "custom.note" in {e["action"] for e in await log(member)}
    # Members of the channel and admins see it all.
    _, admin = await org.user("admin")
    assert len(about_private(await log(admin))) == len(full)
    agent2_key = (await api.ok("POST", f"{API}/agents/{agent2['id']}/rotate-key", token=org.token))["apiKey"]
    assert len(about_private(await log(agent2_key))) == len(full)
