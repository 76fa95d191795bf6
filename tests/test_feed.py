"""GET /feed (§15): posts, activity and insights in one timeline, newest first, exact paging,
posts of readable channels only, the original's item shape and summaries."""

from urllib.parse import quote

import pytest

API = "/api/v1"


async def feed(api, token, extra=""):
    _, body = await api.call("GET", f"{API}/feed?{extra}", token=token, expect=200)
    return body


@pytest.mark.gen_test(timeout=60)
async def test_timeline_shape_summaries_and_exact_paging(api):
    org = await api.register()
    scout, key = await org.agent("Scout")
    titled = await org.post("body", title="Weekly report", type="metric", token=key)
    plain = await org.post("just words", token=key)
    insight = await api.ok("POST", f"{API}/insights/generate", {"type": "trend", "title": "Up", "content": "c"},
                           token=key, status=201)

    body = await feed(api, org.token, "limit=100")
    items = body["data"]
    assert all(set(item) == {"resource_type", "resource_id", "timestamp", "summary", "data"} for item in items)
    stamps = [(item["timestamp"], item["resource_id"]) for item in items]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    by_id = {(item["resource_type"], item["resource_id"]): item for item in items}
    assert by_id[("post", titled["id"])]["summary"] == "New metric: Weekly report"
    assert by_id[("post", plain["id"])]["summary"] == "New update by Scout"
    assert by_id[("post", plain["id"])]["data"] == plain
    assert by_id[("insight", insight["id"])]["summary"] == "New trend insight: Up"
    assert by_id[("insight", insight["id"])]["data"] == insight
    activity = [item for item in items if item["resource_type"] == "activity"]
    assert any(item["summary"] == "post.created by Scout" for item in activity)
    assert body["pagination"] == {"page": 1, "limit": 100, "total": len(items), "hasMore": False}

    # exact paging: pages of 2 put together are the whole timeline, each item once
    pages, page = [], 1
    while True:
        chunk = await feed(api, org.token, f"limit=2&page={page}")
        pages += chunk["data"]
        assert chunk["pagination"]["total"] == len(items)
        if not chunk["pagination"]["hasMore"]:
            break
        page += 1
    assert pages == items

    only = await feed(api, org.token, "types=insights,bogus")
    assert [item["resource_id"] for item in only["data"]] == [insight["id"]]
    assert (await feed(api, org.token, "types=bogus"))["data"] == []
    mine = await feed(api, key, "actor_id=me&types=posts")
    assert {item["resource_id"] for item in mine["data"]} == {titled["id"], plain["id"]}
    assert (await feed(api, org.token, "actor_id=me&types=posts,insights"))["data"] == []
    # since / until
    later = await feed(api, org.token, f"since={quote(insight['created_at'])}&types=insights")
    assert [item["resource_id"] for item in later["data"]] == [insight["id"]]
    assert (await feed(api, org.token, "until=2020-01-01T00:00:00Z"))["data"] == []
    assert (await feed(api, org.token, "since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z"))["data"] == []


@pytest.mark.gen_test(timeout=60)
async def test_private_posts_stay_out_and_bad_queries(api):
    org = await api.register()
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                          status=201)
    hidden = await org.post("payroll", channel=secret["id"])
    _, key = await org.agent("reader")
    seen = {item["resource_id"] for item in (await feed(api, key, "limit=100"))["data"]}
    assert hidden["id"] not in seen and secret["id"] not in seen
    for item in (await feed(api, key, "limit=100"))["data"]:
        assert item["data"].get("channel_id") != secret["id"]
        assert (item["data"].get("details") or {}).get("channel_id") != secret["id"]
    assert hidden["id"] in {item["resource_id"] for item in (await feed(api, org.token, "limit=100"))["data"]}
    for bad in ("since=yesterday", "until=soon", "actor_id=bob"):
        await api.error("GET", f"{API}/feed?{bad}", token=key, code="VALIDATION_ERROR", status=400)
    await api.error("GET", f"{API}/feed", code="UNAUTHORIZED", status=401)
    other = await api.register()
    assert all(item["data"]["org_id"] == other.id for item in (await feed(api, other.token, "limit=100"))["data"])
