"""Insights (§15.1): generate, list, the insight.created event (and its insight:new alias),
found by /search; sources must be readable."""

from urllib.parse import quote

import pytest
from tornado.websocket import websocket_connect

from tests.support import WsClient

API = "/api/v1"


@pytest.mark.gen_test(timeout=60)
async def test_generate_list_event_and_search(api, ws_url):
    org = await api.register()
    scout, key = await org.agent("Scout")
    post = await org.post("latency rose after the deploy")
    ws = WsClient(await websocket_connect(f"{ws_url}?token={org.token}&aliases=1"))
    await ws.expect("connected")

    body = {"type": "anomaly", "title": "Latency spike", "content": "p99 doubled after deploy 41",
            "data": {"p99_ms": 420}, "source_posts": [post["id"], post["id"]], "source_agents": [scout["id"]],
            "confidence": 0.8}
    insight = await api.ok("POST", f"{API}/insights/generate", body, token=key, status=201)
    assert insight["type"] == "anomaly" and insight["data"] == {"p99_ms": 420} and insight["confidence"] == 0.8
    assert insight["source_posts"] == [post["id"]] and insight["source_agents"] == [scout["id"]]
    assert (insight["created_by"], insight["created_by_type"], insight["org_id"]) == (scout["id"], "agent", org.id)

    event = await ws.expect("insight.created")
    assert event["data"] == insight
    alias = await ws.expect("insight:new")
    assert alias["data"] == insight and alias["seq"] == event["seq"]

    trend = await api.ok("POST", f"{API}/insights/generate", {"type": "trend", "title": "Signups", "content": "up"},
                         token=org.token, status=201)
    assert trend["confidence"] is None and trend["source_posts"] == [] and trend["data"] == {}
    listed = await api.call("GET", f"{API}/insights", token=key, expect=200)
    assert [i["id"] for i in listed[1]["data"]] == [trend["id"], insight["id"]]
    assert listed[1]["pagination"] == {"page": 1, "limit": 20, "total": 2, "hasMore": False}
    only = await api.ok("GET", f"{API}/insights?type=anomaly", token=key)
    assert [i["id"] for i in only] == [insight["id"]]
    assert await api.ok("GET", f"{API}/insights?since={quote(trend['created_at'])}", token=key) == []

    found = await api.call("GET", f"{API}/search?q=latency+doubled", token=key, expect=200)
    assert [i["id"] for i in found[1]["data"]["insights"]] == [insight["id"]]
    assert found[1]["pagination"]["counts"]["insights"] == 1
    other = await api.register()
    assert await api.ok("GET", f"{API}/insights", token=other.token) == []
    assert (await api.call("GET", f"{API}/search?q=latency", token=other.token))[1]["pagination"]["total"] == 0
    ws.close()


@pytest.mark.gen_test(timeout=60)
async def test_bad_bodies_and_unreadable_sources(api):
    org = await api.register()
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                          status=201)
    hidden = await org.post("hidden", channel=secret["id"])
    _, key = await org.agent("reader")
    other = await api.register()
    stranger, _ = await other.agent("stranger")
    good = {"type": "summary", "title": "t", "content": "c"}
    for change, field in [({"type": "guess"}, "type"), ({"title": ""}, "title"), ({"content": " "}, "content"),
                          ({"title": "x" * 301}, "title"), ({"confidence": 1.5}, "confidence"),
                          ({"confidence": True}, "confidence"), ({"confidence": "high"}, "confidence"),
                          ({"source_posts": "abc"}, "source_posts"), ({"data": [1]}, "data"),
                          ({"source_posts": [hidden["id"]]}, "source_posts"),
                          ({"source_posts": ["nope"]}, "source_posts"),
                          ({"source_agents": [stranger["id"]]}, "source_agents")]:
        error = await api.error("POST", f"{API}/insights/generate", {**good, **change}, token=key,
                                code="VALIDATION_ERROR", status=400)
        assert error["field"] == field, change
    await api.error("GET", f"{API}/insights?type=guess", token=key, code="VALIDATION_ERROR")
    await api.error("GET", f"{API}/insights?since=soon", token=key, code="VALIDATION_ERROR")
    await api.error("GET", f"{API}/insights", code="UNAUTHORIZED", status=401)
    # the owner, a member of the private channel, may cite its post
    await api.ok("POST", f"{API}/insights/generate", {**good, "source_posts": [hidden["id"]]}, token=org.token,
                 status=201)
