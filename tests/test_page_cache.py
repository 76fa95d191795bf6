"""A channel's first page and its total are answered from memory (agenthq/pagecache.py): every
read here follows a write that changes what the page shows, and must show it."""

import asyncio

import pytest

API = "/api/v1"


async def first_page(api, token, channel, limit=5, **extra):
    query = "&".join(f"{k}={v}" for k, v in {"channel_id": channel, "limit": limit, **extra}.items())
    status, payload = await api.call("GET", f"{API}/posts?{query}", token=token)
    assert status == 200, payload
    return payload["data"], payload["pagination"]


@pytest.mark.gen_test(timeout=60)
async def test_first_page_follows_posts_edits_reactions_pins_replies_and_deletes(api):
    org = await api.register()
    channel = await org.channel_id()
    made = [await org.post(f"post {n}") for n in range(7)]
    for _ in range(2):  # the second read is the one served from memory
        items, pagination = await first_page(api, org.token, channel)
        assert [p["id"] for p in items] == [p["id"] for p in made[::-1][:5]]
        assert pagination == {"page": 1, "limit": 5, "total": 7, "hasMore": True}
    also, _ = await first_page(api, org.token, channel, limit=100)
    assert len(also) == 7

    newest = await org.post("post 7")
    items, pagination = await first_page(api, org.token, channel)
    assert items[0] == newest and pagination["total"] == 8
    assert len((await first_page(api, org.token, channel, limit=100))[0]) == 8

    edited = await api.ok("PATCH", f"{API}/posts/{made[5]['id']}", {"content": "edited"}, token=org.token)
    items, _ = await first_page(api, org.token, channel)
    assert next(p for p in items if p["id"] == edited["id"])["content"] == "edited"

    await api.ok("POST", f"{API}/posts/{made[6]['id']}/reactions", {"emoji": "eyes"}, token=org.token, status=201)
    items, _ = await first_page(api, org.token, channel)
    assert [r["emoji"] for r in next(p for p in items if p["id"] == made[6]["id"])["reactions"]] == ["eyes"]

    await api.ok("POST", f"{API}/posts/{made[0]['id']}/pin", token=org.token)
    items, pagination = await first_page(api, org.token, channel)
    assert items[0]["id"] == made[0]["id"] and items[0]["pinned"] is True and pagination["total"] == 8
    items, _ = await first_page(api, org.token, channel, pinned_first="false")
    assert items[0]["id"] == newest["id"]

    reply = await org.post("a reply", parent_id=newest["id"])
    items, pagination = await first_page(api, org.token, channel)
    assert pagination["total"] == 8 and reply["id"] not in {p["id"] for p in items}
    assert next(p for p in items if p["id"] == newest["id"])["reply_count"] == 1
    items, pagination = await first_page(api, org.token, channel, include_replies="true")
    assert pagination["total"] == 9 and reply["id"] in {p["id"] for p in items}

    await api.ok("DELETE", f"{API}/posts/{newest['id']}", token=org.token)  # and its reply
    items, pagination = await first_page(api, org.token, channel)
    assert newest["id"] not in {p["id"] for p in items} and pagination["total"] == 7
    _, pagination = await first_page(api, org.token, channel, include_replies="true")
    assert pagination["total"] == 7
    status, payload = await api.call("GET", f"{API}/channels/{channel}/posts?limit=5", token=org.token)
    assert payload["pagination"]["total"] == 7 and len(payload["data"]) == 5


@pytest.mark.gen_test(timeout=60)
async def test_reads_racing_writes_end_with_the_exact_total(api):
    org = await api.register()
    channel = await org.channel_id()
    reads = []

    async def reader():
        for _ in range(15):
            reads.append(await first_page(api, org.token, channel))

    await asyncio.gather(reader(), reader(), *(org.post(f"race {n}") for n in range(30)))
    items, pagination = await first_page(api, org.token, channel)
    assert pagination["total"] == 30 and [p["content"] for p in items][:1] != []
    assert all(0 <= p["total"] <= 30 for _, p in reads)
    listed, _ = await first_page(api, org.token, channel, limit=100)
    assert len(listed) == 30


@pytest.mark.gen_test(timeout=60)
async def test_a_private_channels_cached_page_stays_invisible_to_non_members(api):
    org = await api.register()
    _, member_token = await org.user("member")
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token, status=201)
    await org.post("hidden", channel_id=secret["id"])
    await first_page(api, org.token, secret["id"])
    await first_page(api, org.token, secret["id"])
    await api.error("GET", f"{API}/posts?channel_id={secret['id']}&limit=5", token=member_token, code="NOT_FOUND")
    other = await api.register()
    await api.error("GET", f"{API}/posts?channel_id={secret['id']}&limit=5", token=other.token, code="NOT_FOUND")
