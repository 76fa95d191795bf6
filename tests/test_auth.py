"""/auth: sign-up, sign-in, refresh, agent registration and /auth/me, on their success paths,
and what is (never) stored or shown of passwords and keys."""

import asyncio
import re

import pytest
from tornado.httpclient import AsyncHTTPClient

from agenthq.models import Agent, User
from tests.support import Api, post_from

API = "/api/v1"
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
AGENT_FIELDS = {
    "id", "org_id", "name", "description", "status", "last_heartbeat", "capabilities",
    "metadata", "owner_user_id", "created_at", "updated_at",
}


@pytest.mark.gen_test
async def test_health_needs_no_auth(api):
    code, body = await api.call("GET", "/health")
    assert code == 200
    assert body["status"] == "ok" and TIMESTAMP.match(body["timestamp"])
    assert body["success"] is True  # the Go CLI's `setup test` reads it


@pytest.mark.gen_test
async def test_register_creates_org_owner_and_default_channels(api):
    body = {"orgName": "Acme Labs", "orgSlug": "acme-labs", "email": "Ann@Acme.test", "password": "long-enough",
            "name": "Ann"}
    data = await api.ok("POST", f"{API}/auth/register", body, status=201)
    assert set(data) == {"org", "user", "accessToken", "refreshToken"}
    org, user = data["org"], data["user"]
    assert org["name"] == "Acme Labs" and org["slug"] == "acme-labs" and org["settings"] == {}
    assert ULID.match(org["id"]) and TIMESTAMP.match(org["created_at"]) and TIMESTAMP.match(org["updated_at"])
    assert user["org_id"] == org["id"] and user["role"] == "owner" and user["name"] == "Ann"
    assert user["email"] == "ann@acme.test"
    assert ULID.match(user["id"])
    assert not any("password" in key for key in user)

    channels = await api.ok("GET", f"{API}/channels", token=data["accessToken"])
    assert sorted(c["name"] for c in channels) == ["alerts", "audit", "general", "learnings", "updates"]
    assert all(c["type"] == "public" and c["org_id"] == org["id"] for c in channels)


@pytest.mark.gen_test
async def test_password_is_stored_only_as_a_slow_hash(api):
    org = await api.register(password="my-secret-password")
    row = User.get_by_id(org.owner["id"])
    assert "my-secret-password" not in row.password_hash
    assert row.password_hash.startswith("scrypt$")


@pytest.mark.gen_test
async def test_login_and_refresh(api):
    org = await api.register(email="login@flow.test", password="right-password")
    data = await api.ok("POST", f"{API}/auth/login", {"email": "LOGIN@flow.test", "password": "right-password"})
    assert set(data) == {"user", "accessToken", "refreshToken"}
    assert data["user"]["id"] == org.owner["id"]
    me = await api.ok("GET", f"{API}/auth/me", token=data["accessToken"])
    assert me["user"]["id"] == org.owner["id"]

    refreshed = await api.ok("POST", f"{API}/auth/refresh", {"refreshToken": data["refreshToken"]})
    assert set(refreshed) == {"accessToken"}
    me = await api.ok("GET", f"{API}/auth/me", token=refreshed["accessToken"])
    assert me["type"] == "user" and me["user"]["id"] == org.owner["id"]

    await api.error("POST", f"{API}/auth/refresh", {}, code="VALIDATION_ERROR", status=400)
    await api.error("POST", f"{API}/auth/refresh", {"refreshToken": "nonsense"}, code="INVALID_TOKEN", status=401)


@pytest.mark.gen_test
async def test_me_for_user_and_agent(api):
    org = await api.register()
    me = await api.ok("GET", f"{API}/auth/me", token=org.token)
    assert set(me) == {"type", "user", "org"}
    assert me["type"] == "user" and me["user"] == org.owner and me["org"]["id"] == org.id

    agent, key = await org.agent("me-bot")
    me = await api.ok("GET", f"{API}/auth/me", token=key)
    assert set(me) == {"type", "agent", "org"}
    assert me["type"] == "agent" and me["agent"]["id"] == agent["id"] and me["org"]["id"] == org.id
    assert set(me["agent"]) == AGENT_FIELDS


@pytest.mark.gen_test
async def test_register_agent(api):
    org = await api.register()
    body = {"name": "scout", "description": "finds things", "capabilities": ["search", "summarize"]}
    data = await api.ok("POST", f"{API}/auth/agents/register", body, token=org.token, status=201)
    assert set(data) == {"agent", "apiKey"}
    agent, key = data["agent"], data["apiKey"]
    assert set(agent) == AGENT_FIELDS
    assert agent["name"] == "scout" and agent["description"] == "finds things"
    assert agent["capabilities"] == ["search", "summarize"] and agent["metadata"] == {}
    assert agent["org_id"] == org.id and agent["owner_user_id"] == org.owner["id"]
    assert agent["status"] == "offline" and agent["last_heartbeat"] is None
    # ahq_ + at least 32 random bytes, url-safe base64 (43 characters).
    assert re.fullmatch(r"ahq_[A-Za-z0-9_-]{43,}", key)

    # Stored only as a hash; the key is shown once and appears in no later answer.
    row = Agent.get_by_id(agent["id"])
    assert key not in (row.key_hash, row.key_prefix) and key.startswith(row.key_prefix)
    for path in ("/agents", f"/agents/{agent['id']}", "/agents/search?q=scout", "/auth/me"):
        code, payload = await api.call("GET", API + path, token=org.token, expect=200)
        text = str(payload)
        assert key not in text and row.key_hash not in text and "key_" not in text

    defaults = await api.ok("POST", f"{API}/auth/agents/register", {"name": "bare"}, token=org.token, status=201)
    assert defaults["agent"]["description"] == "" and defaults["agent"]["capabilities"] == []
    assert defaults["apiKey"] != key


@pytest.mark.gen_test
async def test_who_may_register_agents(api):
    org = await api.register()
    _, member = await org.user("member")
    data = await api.ok("POST", f"{API}/auth/agents/register", {"name": "members-bot"}, token=member, status=201)
    _, key = data["agent"], data["apiKey"]
    await api.error(
        "POST", f"{API}/auth/agents/register", {"name": "spawn"}, token=key, code="FORBIDDEN", status=403
    )
    await api.error("POST", f"{API}/auth/agents/register", {"name": ""}, token=org.token, code="VALIDATION_ERROR")


@pytest.mark.gen_test
async def test_wire_formats_of_every_object(api):
    """IDs are ULIDs and timestamps ISO 8601 UTC with milliseconds and Z, on every object."""
    org = await api.register()
    agent, key = await org.agent()
    await api.ok("POST", f"{API}/agents/{agent['id']}/heartbeat", token=key)
    channel = await api.ok("POST", f"{API}/channels", {"name": "formats"}, token=org.token, status=201)
    post = await org.post("x", channel=channel["id"])
    entry = await api.ok("POST", f"{API}/activity", {"action": "x"}, token=org.token, status=201)
    agent = await api.ok("GET", f"{API}/agents/{agent['id']}", token=org.token)
    objects = [org.data["org"], org.owner, agent, channel, post, entry]
    for obj in objects:
        assert ULID.match(obj["id"]), obj
        for name, value in obj.items():
            if name.endswith("_at") or name == "last_heartbeat":
                if value is None and name in ("edited_at", "pinned_at"):  # null until edited or pinned
                    continue
                assert isinstance(value, str) and TIMESTAMP.match(value), (name, obj)
            elif name.endswith("_id") or name in ("created_by",):
                assert value is None or ULID.match(value), (name, obj)


@pytest.mark.gen_test
async def test_racing_sign_ups(api):
    def body(i, slug="same-slug", email=None):
        return {"orgName": f"Org {i}", "orgSlug": slug, "email": email or f"u{i}@race.test", "password": "long-enough",
                "name": "N"}

    results = await asyncio.gather(*[api.call("POST", f"{API}/auth/register", body(i)) for i in range(5)])
    assert sorted(code for code, _ in results) == [201, 409, 409, 409, 409], results
    assert {b["error"]["code"] for code, b in results if code == 409} == {"ORG_EXISTS"}
    results = await asyncio.gather(*[
        api.call("POST", f"{API}/auth/register", body(i, slug=f"s{i}", email="one@race.test")) for i in range(5)
    ])
    assert sorted(code for code, _ in results) == [201, 409, 409, 409, 409], results
    assert {b["error"]["code"] for code, b in results if code == 409} == {"EMAIL_EXISTS"}


@pytest.mark.gen_test
async def test_secrets_never_reach_the_logs(api, caplog):
    caplog.set_level("DEBUG")
    org = await api.register(password="plain-text-pw-42")
    login = await api.ok("POST", f"{API}/auth/login", {"email": org.owner["email"], "password": "plain-text-pw-42"})
    await api.error("POST", f"{API}/auth/login", {"email": org.owner["email"], "password": "wrong-pw-4242"},
                    code="INVALID_CREDENTIALS")
    await api.ok("POST", f"{API}/auth/refresh", {"refreshToken": login["refreshToken"]})
    _, key = await org.agent()
    await api.ok("GET", f"{API}/auth/me?token={org.token}", token=key)
    await api.error("GET", f"{API}/auth/me", token=key + "x", code="INVALID_API_KEY")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/api/v1/auth/me" in logged  # the access log did run
    for secret in ("plain-text-pw-42", "wrong-pw-4242", org.token, login["refreshToken"], key):
        assert secret not in logged


def sign_up_body(i, password="long-enough"):
    return {"orgName": f"Org {i}", "orgSlug": f"crowd-{i}", "email": f"u{i}@crowd.test", "password": password,
            "name": "N"}


# The real password cost, one hashing thread, and room in its queue for the whole crowd.
REAL_COST = {"password_cost": 2**14, "password_threads": 1, "password_queue": 100, "register_address_limit": 0}


@pytest.mark.gen_test(timeout=120)
@pytest.mark.parametrize("config_overrides", [REAL_COST])
async def test_sign_ups_never_hold_up_other_tenants_reads(api, base_url, config_overrides):
    """Sixteen sign-ups keep the password thread busy; a tenant's requests (each a token check
    on a reader) are answered meanwhile. The order is the check: before, scrypt ran on the two
    readers and these requests answered after nearly all the sign-ups."""
    tenant = await api.register()
    crowd = Api(AsyncHTTPClient(force_instance=True, max_clients=64), base_url)
    sign_ups = [
        asyncio.ensure_future(crowd.call("POST", f"{API}/auth/register", sign_up_body(i))) for i in range(16)
    ]
    await asyncio.sleep(0)
    for _ in range(3):
        await api.ok("GET", f"{API}/channels", token=tenant.token)
    finished = sum(task.done() for task in sign_ups)
    answers = await asyncio.gather(*sign_ups)
    assert finished < 8, f"{finished} of 16 sign-ups finished before a tenant's three reads"
    assert [code for code, _ in answers] == [201] * 16


@pytest.mark.gen_test(timeout=120)
@pytest.mark.parametrize("config_overrides", [{**REAL_COST, "password_cost": 2**15, "password_queue": 1}])
async def test_hashing_past_the_queue_limit_answers_503_with_retry_after(api, http_port, config_overrides):
    crowd = AsyncHTTPClient(force_instance=True, max_clients=64)
    answers = await asyncio.gather(*[
        post_from("127.0.0.1", crowd, http_port, f"{API}/auth/register", sign_up_body(i)) for i in range(10)
    ])
    codes = sorted(code for code, _, _ in answers)
    assert codes.count(201) >= 2 and codes.count(503) >= 1 and set(codes) == {201, 503}, codes
    for code, body, headers in answers:
        if code == 503:
            assert body["error"]["code"] == "UNAVAILABLE" and headers["Retry-After"] == "1"
    # Refused sign-ups wrote nothing: the same ones succeed once the crowd is gone.
    for i, (code, _, _) in enumerate(answers):
        if code == 503:
            await api.ok("POST", f"{API}/auth/register", sign_up_body(i), status=201)


@pytest.mark.gen_test
@pytest.mark.parametrize("config_overrides", [{"register_address_limit": 3, "register_window": 3600}])
async def test_sign_ups_are_limited_per_client_address(api, http_client, http_port, config_overrides):
    path = f"{API}/auth/register"
    await api.ok("POST", path, sign_up_body(1), status=201)
    await api.error("POST", path, sign_up_body(1), code="ORG_EXISTS", status=409)  # a conflict counts too
    await api.ok("POST", path, sign_up_body(2), status=201)
    code, body, headers = await post_from("127.0.0.1", http_client, http_port, path, sign_up_body(3))
    assert code == 429 and body["error"]["code"] == "RATE_LIMITED"
    assert 1000 <= int(headers["Retry-After"]) <= 1201  # 3 an hour: the next in 20 minutes
    # An invalid body is refused before it counts (or costs a hash).
    await api.error("POST", path, {**sign_up_body(4), "password": "short"}, code="VALIDATION_ERROR")
    # Another address has its own allowance.
    code, body, _ = await post_from("127.0.0.2", http_client, http_port, path, sign_up_body(3))
    assert code == 201 and body["data"]["org"]["slug"] == "crowd-3"
