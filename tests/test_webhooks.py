"""Outgoing webhooks (§14.2) against real local HTTP receivers: signed bodies, order kept,
the same delivery id across retries, never private or DM events, the delivery log and the
test ping, and the SSRF guard (with AGENTHQ_WEBHOOK_ALLOW_PRIVATE off)."""

import json

import pytest

from agenthq.client.webhooks import verify_signature
from tests.support import Receiver

API = "/api/v1"


@pytest.fixture
def config_overrides():
    return {"webhook_allow_private": True, "webhook_retry_base": 0.05, "webhook_poll": 0.05}


async def _webhook(api, org, url, events=("*",), **extra):
    body = {"url": url, "events": list(events), **extra}
    return await api.ok("POST", f"{API}/webhooks", body, token=org.token, status=201)


@pytest.mark.gen_test(timeout=60)
async def test_signed_in_order_and_never_private(api):
    receiver = Receiver()
    org = await api.register()
    hook = await _webhook(api, org, receiver.url, events=["post.created"], secret="a-shared-secret-1234")
    assert hook["secret"] == "a-shared-secret-1234" and hook["has_secret"] is True
    listed = await api.ok("GET", f"{API}/webhooks", token=org.token)
    assert "secret" not in listed[0]
    private = await api.ok("POST", f"{API}/channels", {"name": "secret-room", "type": "private"},
                           token=org.token, status=201)
    posted = []
    for n in range(10):
        posted.append((await org.post(f"public {n}"))["id"])
        await org.post(f"private {n}", channel=private["id"])
    await api.ok("POST", f"{API}/channels", {"name": "not-selected"}, token=org.token, status=201)
    posted.append((await org.post("sentinel"))["id"])
    received = await receiver.wait_for(11)
    bodies = [json.loads(body) for _, body, _ in received]
    assert [b["data"]["id"] for b in bodies] == posted  # in order, no private post, no channel event
    seqs = [b["seq"] for b in bodies]
    assert seqs == sorted(seqs)
    for headers, body, _ in received:
        assert verify_signature("a-shared-secret-1234", body, headers["X-Agenthq-Signature"])
        assert not verify_signature("another-secret-123456", body, headers["X-Agenthq-Signature"])
        data = json.loads(body)
        assert headers["X-Agenthq-Delivery"] == data["id"] and headers["X-Agenthq-Event"] == "post.created"
        assert headers["X-Agenthq-Timestamp"] == data["timestamp"] and headers["User-Agent"] == "AgentHQ-Webhooks/1.0"
        assert data["org_id"] == org.id and data["event"] == "post.created"
    delivered = []
    while len(delivered) < 11:  # the last 200 is recorded just after the receiver answers
        delivered = await api.ok("GET", f"{API}/webhooks/{hook['id']}/deliveries?status=delivered", token=org.token)
    assert len(delivered) == 11 and delivered[0]["response_status"] == 200
    receiver.stop()


@pytest.mark.gen_test(timeout=60)
async def test_retries_keep_the_delivery_id(api):
    receiver = Receiver(statuses=[500, 500, 500])
    org = await api.register()
    hook = await _webhook(api, org, receiver.url)
    await org.post("retry me")
    received = await receiver.wait_for(4)
    ids = {headers["X-Agenthq-Delivery"] for headers, _, _ in received}
    assert len(ids) == 1 and [status for _, _, status in received] == [500, 500, 500, 200]
    assert len({body for _, body, _ in received}) == 1  # the same bytes each time
    log = await api.ok("GET", f"{API}/webhooks/{hook['id']}/deliveries", token=org.token)
    while log[0]["status"] == "pending":  # the 200 is recorded just after the receiver answers
        log = await api.ok("GET", f"{API}/webhooks/{hook['id']}/deliveries", token=org.token)
    assert log[0]["status"] == "delivered" and log[0]["attempts"] == 4 and log[0]["id"] in ids
    receiver.stop()


@pytest.mark.gen_test(timeout=60)
async def test_test_ping_crud_and_who_may(api):
    receiver = Receiver(statuses=[200, 503])
    org = await api.register()
    hook = await _webhook(api, org, receiver.url, events=["agent.created"])
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) == 38
    ping = await api.ok("POST", f"{API}/webhooks/{hook['id']}/test", token=org.token)
    assert ping["delivered"] is True and ping["response_status"] == 200 and ping["error"] is None
    headers, body, _ = receiver.received[0]
    assert json.loads(body)["event"] == "test" and json.loads(body)["data"]["message"] == "This is a test ping from AgentHQ"
    assert verify_signature(hook["secret"], body, headers["X-Agenthq-Signature"])
    failed = await api.ok("POST", f"{API}/webhooks/{hook['id']}/test", token=org.token)
    assert failed["delivered"] is False and failed["response_status"] == 503
    log = await api.ok("GET", f"{API}/webhooks/{hook['id']}/deliveries", token=org.token)
    assert [d["status"] for d in log] == ["failed", "delivered"] and log[0]["event"] == "test"

    await api.error("POST", f"{API}/webhooks", {"url": receiver.url, "events": ["notification.created"]},
                    token=org.token, code="VALIDATION_ERROR")
    await api.error("POST", f"{API}/webhooks", {"url": receiver.url, "events": ["*"], "secret": "short"},
                    token=org.token, code="VALIDATION_ERROR")
    await api.error("POST", f"{API}/webhooks", {"url": "ftp://example.com/", "events": ["*"]},
                    token=org.token, code="VALIDATION_ERROR")
    _, member = await org.user("member")
    _, agent_key = await org.agent("bot")
    for token in (member, agent_key):
        await api.error("POST", f"{API}/webhooks", {"url": receiver.url, "events": ["*"]}, token=token,
                        code="FORBIDDEN", status=403)
    other = await api.register()
    await api.error("GET", f"{API}/webhooks/{hook['id']}", token=other.token, code="NOT_FOUND")
    patched = await api.ok("PATCH", f"{API}/webhooks/{hook['id']}", {"active": False, "events": ["post.created"]},
                           token=org.token)
    assert patched["active"] is False and patched["events"] == ["post.created"]
    assert await api.ok("DELETE", f"{API}/webhooks/{hook['id']}", token=org.token) == {"deleted": True}
    await api.error("GET", f"{API}/webhooks/{hook['id']}", token=org.token, code="NOT_FOUND")
    receiver.stop()


class TestGuard:
    @pytest.fixture
    def config_overrides(self):
        return {"webhook_allow_private": False}

    @pytest.mark.gen_test(timeout=60)
    async def test_private_addresses_are_refused(self, api):
        org = await api.register()
        for url in ("http://127.0.0.1:9/x", "http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data",
                    "http://[::1]:8080/", "http://localhost/x", "http://100.64.0.1/", "http://0.0.0.0/",
                    "https://[fe80::1]/", "http://224.0.0.1/"):
            error = await api.error("POST", f"{API}/webhooks", {"url": url, "events": ["*"]}, token=org.token,
                                    code="VALIDATION_ERROR")
            assert error["field"] == "url", url


@pytest.mark.gen_test(timeout=60)
async def test_webhooks_sharing_a_cursor_skip_what_is_not_theirs_and_keep_the_data(api):
    """Webhooks at one cursor share one read of the log: each still gets its own selection, in
    order, past an @channel's identity events and a private channel's, with the post's data
    as it was logged (non-ASCII, quotes and backslashes included) under a valid signature."""
    posts_only, everything = Receiver(), Receiver()
    org = await api.register()
    for n in range(12):  # an @channel logs a notification event for each
        await org.agent(f"member-{n}")
    await _webhook(api, org, posts_only.url, events=["post.created"], secret="posts-only-secret-123")
    await _webhook(api, org, everything.url, secret="everything-secret-1234")
    private = await api.ok("POST", f"{API}/channels", {"name": "back-room", "type": "private"},
                           token=org.token, status=201)
    shout = await org.post('@channel ünïcode, "quotes", a \\ backslash and </script>')
    await org.post("@channel not for webhooks", channel=private["id"])
    sentinel = await org.post("sentinel")
    received = await posts_only.wait_for(2)
    bodies = [json.loads(body) for _, body, _ in received]
    assert [(b["event"], b["data"]["id"], b["data"]["content"]) for b in bodies] == [
        ("post.created", shout["id"], shout["content"]), ("post.created", sentinel["id"], "sentinel")]
    for headers, body, _ in received:
        assert verify_signature("posts-only-secret-123", body, headers["X-Agenthq-Signature"])
    seen = [json.loads(body) for _, body, _ in await everything.wait_for(1)]
    while seen[-1]["data"].get("id") != sentinel["id"]:
        seen = [json.loads(body) for _, body, _ in await everything.wait_for(len(seen) + 1)]
    assert [b["seq"] for b in seen] == sorted(b["seq"] for b in seen)
    assert not any(b["event"].startswith("notification") for b in seen)
    assert private["id"] not in json.dumps(seen)
    assert [b["data"]["id"] for b in seen if b["event"] == "post.created"] == [shout["id"], sentinel["id"]]
    posts_only.stop(), everything.stop()
