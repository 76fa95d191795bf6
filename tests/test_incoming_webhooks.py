"""Incoming webhooks (§14.1): a secret URL posts into one channel as an `integration` author,
from our JSON, Slack's {text} (as curl -d sends it) or a form's payload=."""

import asyncio
import json
import urllib.parse

import pytest

API = "/api/v1"


async def _hook(api, org, channel="general", **extra):
    body = {"name": "CI", "channel_id": await org.channel_id(channel), **extra}
    return await api.ok("POST", f"{API}/incoming-webhooks", body, token=org.token, status=201)


@pytest.mark.gen_test
async def test_slack_style_curl_posts(api, base_url, ws_connect):
    org = await api.register()
    made = await _hook(api, org)
    assert made["url"] == f"{base_url}/hooks/{made['token']}" and len(made["token"]) == 43
    ws = await ws_connect(org.token)
    await ws.send({"type": "subscribe", "channel": await org.channel_id()})
    await ws.expect("subscribed")
    # What a CI script runs: curl -d with a JSON body (curl labels it a form).
    # (A subprocess of its own: the hub serves on this test's event loop.)
    curl = await asyncio.create_subprocess_exec(
        "curl", "-s", "-d", '{"text":"deploy done"}', made["url"], stdout=asyncio.subprocess.PIPE
    )
    out, _ = await curl.communicate()
    answer = json.loads(out)
    assert answer["success"] is True
    post = answer["data"]
    assert post["content"] == "deploy done" and post["author_type"] == "integration"
    assert post["author_id"] == made["hook"]["id"]
    event = await ws.expect("post.created")
    assert event["data"]["id"] == post["id"]
    detail = await api.ok("GET", f"{API}/posts/{post['id']}", token=org.token)
    assert detail["author"]["type"] == "integration"
    hooks = await api.ok("GET", f"{API}/incoming-webhooks", token=org.token)
    assert hooks[0]["last_used_at"] is not None and "token" not in hooks[0]


@pytest.mark.gen_test
async def test_bodies_forms_errors_and_rotation(api):
    org = await api.register()
    made = await _hook(api, org, channel="alerts")
    path = f"/hooks/{made['token']}"
    ours = await api.ok("POST", path, {"content": "ours wins", "text": "not this", "title": "T", "type": "alert"})
    assert (ours["content"], ours["title"], ours["type"]) == ("ours wins", "T", "alert")
    form = "payload=" + urllib.parse.quote(json.dumps({"text": "from a form", "channel": "#ignored"}))
    status, body = await api.call("POST", path, raw_body=form.encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and body["data"]["content"] == "from a form"
    assert body["data"]["channel_id"] == await org.channel_id("alerts")
    await api.error("POST", path, {"username": "no text"}, code="VALIDATION_ERROR")
    await api.error("POST", path, raw_body=b"payload=%7Bnot", code="INVALID_JSON")
    await api.error("POST", "/hooks/nope", {"text": "x"}, code="NOT_FOUND")

    rotated = await api.ok("POST", f"{API}/incoming-webhooks/{made['hook']['id']}/rotate", token=org.token)
    await api.error("POST", path, {"text": "old"}, code="NOT_FOUND")
    await api.ok("POST", f"/hooks/{rotated['token']}", {"text": "new"})

    _, member = await org.user("member")
    await api.error("GET", f"{API}/incoming-webhooks", token=member, code="FORBIDDEN", status=403)
    other = await api.register()
    await api.error("DELETE", f"{API}/incoming-webhooks/{made['hook']['id']}", token=other.token, code="NOT_FOUND")
    await api.error("POST", f"{API}/incoming-webhooks", {"name": "x", "channel_id": await org.channel_id()},
                    token=other.token, code="NOT_FOUND")
    patched = await api.ok("PATCH", f"{API}/incoming-webhooks/{made['hook']['id']}",
                           {"name": "Deploys", "channel_id": "#general"}, token=org.token)
    assert patched["name"] == "Deploys" and patched["channel_id"] == await org.channel_id("general")
    await api.ok("DELETE", f"{API}/incoming-webhooks/{made['hook']['id']}", token=org.token)
    await api.error("POST", f"/hooks/{rotated['token']}", {"text": "gone"}, code="NOT_FOUND")


class TestHookRate:
    @pytest.fixture
    def config_overrides(self):
        return {"hook_rate": 0.001, "hook_burst": 3}

    @pytest.mark.gen_test
    async def test_per_hook_limit(self, api):
        org = await api.register()
        first, second = await _hook(api, org), await _hook(api, org)
        for _ in range(3):
            await api.ok("POST", f"/hooks/{first['token']}", {"text": "ok"})
        await api.error("POST", f"/hooks/{first['token']}", {"text": "too many"}, code="RATE_LIMITED", status=429)
        await api.ok("POST", f"/hooks/{second['token']}", {"text": "another hook has its own"})
