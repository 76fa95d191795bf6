"""Invites (§13): tokens every original client parses, one use, seven days, revocable, and of
any number of concurrent redemptions exactly one wins."""

import asyncio
import json
import re

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from agenthq.models import Invite

API = "/api/v1"
# packages/sdk/src/ of the original: parseInviteUrl's pattern, and the Go CLI's parseInviteArg.
ORIGINAL_PATTERN = re.compile(r"AHQ-[A-Za-z0-9]+-[A-Za-z0-9]+")
OURS = re.compile(r"^AHQ-[A-Za-z0-9]{10}-[A-Za-z0-9]{12}$")


@pytest.mark.gen_test
async def test_agent_invite_lifecycle(api, base_url):
    org = await api.register()
    made = await api.ok("POST", f"{API}/invites/agent", {}, token=org.token, status=201)
    token, invite = made["token"], made["invite"]
    assert OURS.match(token) and ORIGINAL_PATTERN.search(made["url"]).group(0) == token
    assert made["url"].endswith(f"/invite/{token}") and made["url"].startswith(base_url)
    assert invite["status"] == "pending" and invite["invite_type"] == "agent" and "token" not in invite
    stored = Invite.get_by_id(invite["id"])
    assert token not in json.dumps(stored.__data__)  # only its hash is kept

    shown = await api.ok("GET", f"{API}/auth/invites/{token}")
    assert shown["invite"]["org_name"] == org.data["org"]["name"] and shown["invite"]["status"] == "pending"

    await api.error("POST", f"{API}/auth/invites/redeem-user", {"token": token, "name": "x", "password": "longenough"},
                    code="INVALID_INVITE_TYPE", status=400)
    joined = await api.ok("POST", f"{API}/auth/invites/redeem",
                          {"token": token, "agentName": "joiner", "capabilities": ["ci"]}, status=201)
    assert joined["orgId"] == org.id and joined["agent"]["owner_user_id"] == org.owner["id"]
    me = await api.ok("GET", f"{API}/auth/me", token=joined["apiKey"])
    assert me["agent"]["name"] == "joiner"
    # It joined the default channels and can post at once.
    await org.post("hello from the invited agent", token=joined["apiKey"])

    again = {"token": token, "agentName": "second"}
    await api.error("POST", f"{API}/auth/invites/redeem", again, code="TOKEN_ALREADY_USED", status=409)
    listed = await api.ok("GET", f"{API}/invites?status=redeemed", token=org.token)
    assert [i["id"] for i in listed] == [invite["id"]]
    assert listed[0]["redeemed_by_agent_id"] == joined["agent"]["id"]
    await api.error("POST", f"{API}/invites/{invite['id']}/revoke", token=org.token, code="INVALID_STATUS", status=409)


@pytest.mark.gen_test
async def test_user_invite_revoke_expiry_and_who_may(api):
    org = await api.register()
    made = await api.ok("POST", f"{API}/invites/user", {"email": "new@person.test", "role": "admin"},
                        token=org.token, status=201)
    await api.error("POST", f"{API}/invites/user", {"email": "new@person.test"}, token=org.token,
                    code="PENDING_INVITE_EXISTS", status=409)
    await api.error("POST", f"{API}/invites/user", {"email": org.owner["email"]}, token=org.token,
                    code="EMAIL_EXISTS", status=409)
    await api.error("POST", f"{API}/invites/user", {"email": "v@person.test", "role": "viewer"}, token=org.token,
                    code="VALIDATION_ERROR")
    _, member = await org.user("member")
    _, agent_key = await org.agent("bot")
    for token in (member, agent_key):
        await api.error("POST", f"{API}/invites/agent", {}, token=token, code="FORBIDDEN", status=403)
        await api.error("GET", f"{API}/invites", token=token, code="FORBIDDEN", status=403)
    other = await api.register()
    await api.error("POST", f"{API}/invites/{made['invite']['id']}/revoke", token=other.token, code="NOT_FOUND")

    person = await api.ok("POST", f"{API}/auth/invites/redeem-user",
                          {"token": made["token"], "name": "New Person", "password": "longenough"}, status=201)
    assert person["user"]["email"] == "new@person.test" and person["user"]["role"] == "admin"
    assert person["org"]["id"] == org.id and person["accessToken"] and person["refreshToken"]
    channels = await api.ok("GET", f"{API}/channels", token=person["accessToken"])
    assert {"general", "alerts"} <= {c["name"] for c in channels}

    revoked = await api.ok("POST", f"{API}/invites/agent", {}, token=org.token, status=201)
    gone = await api.ok("POST", f"{API}/invites/{revoked['invite']['id']}/revoke", token=org.token)
    assert gone["status"] == "revoked"
    await api.error("POST", f"{API}/auth/invites/redeem", {"token": revoked["token"], "agentName": "x"},
                    code="TOKEN_REVOKED", status=410)

    old = await api.ok("POST", f"{API}/invites/agent", {}, token=org.token, status=201)
    Invite.update(expires_at="2000-01-01T00:00:00.000Z").where(Invite.id == old["invite"]["id"]).execute()
    await api.error("POST", f"{API}/auth/invites/redeem", {"token": old["token"], "agentName": "x"},
                    code="TOKEN_EXPIRED", status=410)
    assert (await api.ok("GET", f"{API}/auth/invites/{old['token']}"))["invite"]["status"] == "expired"
    await api.error("GET", f"{API}/auth/invites/AHQ-0000000000-000000000000", code="NOT_FOUND")
    expired = await api.ok("GET", f"{API}/invites?status=expired", token=org.token)
    assert [i["id"] for i in expired] == [old["invite"]["id"]]


@pytest.mark.gen_test
async def test_public_url_names_the_host(hub, api):
    org = await api.register()
    hub.config = __import__("dataclasses").replace(hub.config, public_url="https://hq.example.com/")
    made = await api.ok("POST", f"{API}/invites/agent", {}, token=org.token, status=201)
    assert made["url"] == f"https://hq.example.com/invite/{made['token']}"


@pytest.mark.gen_test
async def test_unauthenticated_invite_calls_are_rate_limited(api):
    for _ in range(10):
        await api.error("GET", f"{API}/auth/invites/AHQ-aaaaaaaaaa-bbbbbbbbbbbb", code="NOT_FOUND")
    await api.error("GET", f"{API}/auth/invites/AHQ-aaaaaaaaaa-bbbbbbbbbbbb", code="RATE_LIMITED", status=429)
    # Each endpoint counts apart.
    await api.error("POST", f"{API}/auth/invites/redeem", {"token": "AHQ-a-b", "agentName": "x"}, code="NOT_FOUND")


class TestParallelRedemption:
    @pytest.fixture
    def config_overrides(self):
        return {"invite_address_limit": 0}  # 1,000 redemptions from one address

    @pytest.mark.gen_test(timeout=120)
    async def test_one_winner_among_a_thousand(self, api, base_url):
        org = await api.register()
        token = (await api.ok("POST", f"{API}/invites/agent", {}, token=org.token, status=201))["token"]
        # Below the hub's cap on unauthenticated connections per address (128).
        client = AsyncHTTPClient(force_instance=True, max_clients=100)

        async def redeem(n):
            body = json.dumps({"token": token, "agentName": f"racer-{n}"})
            request = HTTPRequest(f"{base_url}{API}/auth/invites/redeem", method="POST", body=body,
                                  headers={"Content-Type": "application/json"}, request_timeout=100)
            response = await client.fetch(request, raise_error=False)
            return response.code, json.loads(response.body)

        results = await asyncio.gather(*(redeem(n) for n in range(1000)))
        client.close()
        codes = sorted(code for code, _ in results)
        assert codes.count(201) == 1 and codes.count(409) == 999, codes[:5]
        assert all(body["error"]["code"] == "TOKEN_ALREADY_USED" for code, body in results if code == 409)
        agents = await api.ok("GET", f"{API}/agents", token=org.token)
        assert len(agents) == 1 and agents[0]["name"].startswith("racer-")
