"""GET /posts/search with §15's operators over HTTP: each alone and combined, names for ids,
private and DM posts never found by non-members, and no query a person types is a 500."""

from urllib.parse import quote

import pytest

from tests.support import Api  # noqa: F401  (the fixture's type)

API = "/api/v1"


async def found(api, token, q):
    # Replies included, so that each operator's effect on them shows (§7 leaves them out by default).
    _, body = await api.call("GET", f"{API}/posts/search?q={quote(q)}&limit=100&include_replies=true", token=token,
                             expect=200)
    return [p["id"] for p in body["data"]]


def backdate(post_id, when):
    from agenthq.models import Post
    Post.update(created_at=when).where(Post.id == post_id).execute()


@pytest.mark.gen_test(timeout=60)
async def test_each_operator_alone_and_combined(api):
    org = await api.register()
    scout, scout_key = await org.agent("Scout")
    alert = await org.post("billing failed for acme", channel="alerts", type="alert", token=scout_key)
    update = await org.post("billing dashboard updated", channel="general", token=scout_key)
    mine = await org.post("billing notes by the owner", channel="alerts")
    reply = await org.post("billing retry worked", parent_id=alert["id"])
    old = await org.post("billing in the old days", channel="alerts", token=scout_key)
    backdate(old["id"], "2026-10-15T12:00:00.000Z")
    backdate(alert["id"], "2026-11-02T08:00:00.000Z")
    backdate(update["id"], "2026-11-01T12:00:00.000Z")

    every = {alert["id"], update["id"], mine["id"], reply["id"], old["id"]}
    assert set(await found(api, org.token, "billing")) == every
    # from: a name in any case, an id, me; several OR-ed
    assert set(await found(api, org.token, "from:scout billing")) == {alert["id"], update["id"], old["id"]}
    assert set(await found(api, org.token, f"from:{scout['id']}")) == {alert["id"], update["id"], old["id"]}
    assert set(await found(api, org.token, "from:me")) == {mine["id"], reply["id"]}
    assert set(await found(api, org.token, "from:SCOUT from:me billing")) == every
    assert await found(api, org.token, "from:nobody billing") == []
    # in: a name, #name or id; the reply is in its parent's channel
    assert set(await found(api, org.token, "in:#alerts")) == {alert["id"], mine["id"], reply["id"], old["id"]}
    assert set(await found(api, org.token, f"in:{await org.channel_id('general')}")) == {update["id"]}
    assert await found(api, org.token, "in:nowhere billing") == []
    # type:
    assert await found(api, org.token, "type:alert") == [alert["id"]]
    assert await found(api, org.token, "type:banana billing") == []
    # before: / after: (UTC day bounds)
    assert set(await found(api, org.token, "before:2026-11-01")) == {old["id"]}
    assert set(await found(api, org.token, "after:2026-11-01 before:2026-11-03")) == {alert["id"]}
    assert set(await found(api, org.token, 'before:"2026-11-01T12:00:00.001Z" after:2026-10-31')) == {update["id"]}
    # has:reply, is:reply, is:pinned
    assert await found(api, org.token, "has:reply") == [alert["id"]]
    assert await found(api, org.token, "is:reply billing") == [reply["id"]]
    from agenthq.models import Post
    Post.update(pinned=True).where(Post.id == mine["id"]).execute()
    assert await found(api, org.token, "is:pinned") == [mine["id"]]
    assert await found(api, org.token, "has:reaction billing") == []
    # combined: the brief's example
    assert await found(api, org.token, "from:scout in:alerts after:2026-11-01 billing") == [alert["id"]]
    assert await found(api, org.token, "from:scout in:alerts after:2026-11-01 acme type:alert") == [alert["id"]]
    assert await found(api, org.token, "from:scout in:alerts after:2026-11-01 dashboard") == []
    # operators alone: newest first by id, i.e. as written (the dates above were moved after)
    assert await found(api, org.token, "from:scout") == [old["id"], update["id"], alert["id"]]


@pytest.mark.gen_test(timeout=60)
async def test_private_and_dm_posts_never_found_by_non_members(api):
    org = await api.register()
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                          status=201)
    hidden = await org.post("payroll numbers", channel=secret["id"])
    _, member_token = await org.user()
    _, agent_key = await org.agent("reader")
    from agenthq.models import Channel, Post
    dm = Channel.create(org_id=org.id, name="dm-x", type="dm")
    dm_post = Post.create(org_id=org.id, channel_id=dm.id, author_id=org.owner["id"], author_type="user",
                          content="payroll whisper", metadata={})
    assert set(await found(api, org.token, "payroll")) == {hidden["id"]}  # the owner is no DM member
    for token in (member_token, agent_key):
        for q in ("payroll", "in:secret", f"in:{secret['id']} payroll", f"in:{dm.id}", "from:me payroll",
                  f"from:{org.owner['id']}", "in:dm-x whisper"):
            assert await found(api, token, q) == [], q
    assert dm_post.id not in await found(api, org.token, "whisper")


HOSTILE = ['from:', 'from:""', 'in:"', 'in:#', 'type:', 'is:', 'has:', 'from:"a', 'in:\x00', 'from:\x00x',
           '"from:me"', 'NEAR(from:me', 'in:' + 'x' * 400, 'from:me -x ^y *', ':from:me', 'from::', 'in:::',
           'FROM:me', 'after:2026-01-01T00:00:00Z"', '"' * 40, 'a' * 500]


@pytest.mark.gen_test(timeout=60)
async def test_hostile_queries_are_never_500(api):
    org = await api.register()
    await org.post("ops deploy")
    for q in HOSTILE:
        status, body = await api.call("GET", f"{API}/posts/search?q={quote(q)}", token=org.token)
        assert status in (200, 400), (q, status, body)
        if status == 400:
            assert body["error"]["code"] == "VALIDATION_ERROR" and body["error"]["field"] == "q", q
    for q in ("before:yesterday ops", "after:2026-02-30", 'before:"2026-01-01 10:00"'):
        error = await api.error("GET", f"{API}/posts/search?q={quote(q)}", token=org.token, code="VALIDATION_ERROR",
                                status=400)
        assert error["field"] == "q"
    error = await api.error("GET", f"{API}/posts/search?q={'a' * 5000}", token=org.token, code="VALIDATION_ERROR")
    assert error["field"] == "q"


@pytest.mark.gen_test(timeout=60)
async def test_reactions_are_real_and_carried_and_a_real_dm_is_for_its_two(api):
    org = await api.register()
    member, member_token = await org.user()
    admin, admin_token = await org.user(role="admin")
    plain = await org.post("quokka census")
    liked = await org.post("quokka sighting")
    await api.ok("POST", f"{API}/posts/{liked['id']}/reactions", {"emoji": "eyes"}, token=member_token, status=201)
    assert await found(api, org.token, "has:reaction") == [liked["id"]]
    assert await found(api, org.token, "has:reaction quokka") == [liked["id"]]
    # the same post object as every other post list: its reactions
    _, body = await api.call("GET", f"{API}/posts/search?q=quokka", token=org.token, expect=200)
    by_id = {p["id"]: p for p in body["data"]}
    assert by_id[plain["id"]]["reactions"] == []
    assert [r["emoji"] for r in by_id[liked["id"]]["reactions"]] == ["eyes"]
    unified = await api.ok("GET", f"{API}/search?q=quokka&types=posts", token=org.token)
    assert all("reactions" in p for p in unified["posts"])
    feed = await api.ok("GET", f"{API}/feed?types=post", token=org.token)
    assert all("reactions" in item["data"] for item in feed if item["resource_type"] == "post")
    # a DM made through POST /dm: its two members find it, the owner and an admin never do
    _, payload = await api.call("POST", f"{API}/dm", {"member_id": admin["id"], "member_type": "user"},
                                token=member_token)
    cid = payload["data"]["id"]
    whisper = await org.post("quokka whisper", channel=cid, token=member_token)
    for token in (member_token, admin_token):
        assert whisper["id"] in await found(api, token, "whisper")
    _, other_token = await org.user()
    for token in (org.token, other_token):
        assert await found(api, token, "whisper") == []
        assert await found(api, token, f"in:{cid}") == []
        unified = await api.ok("GET", f"{API}/search?q=whisper", token=token)
        assert unified["posts"] == []
        feed = await api.ok("GET", f"{API}/feed?types=post", token=token)
        assert whisper["id"] not in [item["resource_id"] for item in feed]
