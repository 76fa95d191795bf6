"""JWTs and API keys under attack: wrong type, expired, tampered, alg none, other algorithms
and secrets; API key rotation and revocation take effect at once."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest

API = "/api/v1"


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims_of(token):
    return jwt.decode(token, options={"verify_signature": False})


def sign(claims, secret, algorithm="HS256"):
    return jwt.encode(claims, secret, algorithm=algorithm)


async def me(api, token):
    return await api.ok("GET", f"{API}/auth/me", token=token)


async def refused(api, token, code="INVALID_TOKEN"):
    await api.error("GET", f"{API}/auth/me", token=token, code=code, status=401)


@pytest.mark.gen_test
async def test_issued_claims(api, hub):
    org = await api.register()
    access = jwt.decode(org.token, hub.tokens.secret, algorithms=["HS256"])
    refresh = jwt.decode(org.refresh_token, hub.tokens.secret, algorithms=["HS256"])
    assert jwt.get_unverified_header(org.token)["alg"] == "HS256"
    for claims in (access, refresh):
        assert claims["sub"] == org.owner["id"] and claims["org_id"] == org.id and claims["role"] == "owner"
        assert abs(claims["iat"] - time.time()) < 60
    assert access["type"] == "access" and access["exp"] - access["iat"] == 15 * 60
    assert refresh["type"] == "refresh" and refresh["exp"] - refresh["iat"] == 7 * 24 * 3600
    # A token we sign ourselves with the hub's secret is accepted: the checks below refuse
    # tokens for what is wrong with them, not for being hand-made.
    assert (await me(api, sign(access, hub.tokens.secret)))["user"]["id"] == org.owner["id"]
    # The scheme is case-insensitive (RFC 6750).
    code, _ = await api.call("GET", f"{API}/auth/me", headers={"Authorization": f"bearer {org.token}"})
    assert code == 200


@pytest.mark.gen_test
async def test_refresh_and_access_tokens_are_not_interchangeable(api):
    org = await api.register()
    await refused(api, org.refresh_token)
    await api.error("POST", f"{API}/auth/refresh", {"refreshToken": org.token}, code="INVALID_TOKEN", status=401)
    # Nor is an API key a refresh token.
    _, key = await org.agent()
    await api.error("POST", f"{API}/auth/refresh", {"refreshToken": key}, code="INVALID_TOKEN", status=401)


@pytest.mark.gen_test
async def test_expired_tokens(api, hub):
    org = await api.register()
    now = int(time.time())
    for kind in ("access", "refresh"):
        claims = dict(claims_of(org.token), type=kind, iat=now - 3600, exp=now - 10)
        expired = sign(claims, hub.tokens.secret)
        if kind == "access":
            await refused(api, expired)
        else:
            await api.error("POST", f"{API}/auth/refresh", {"refreshToken": expired}, code="INVALID_TOKEN", status=401)


@pytest.mark.gen_test
async def test_tampered_tokens(api, hub):
    org = await api.register()
    _, member = await org.user("member")
    header, payload, signature = member.split(".")

    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    await refused(api, f"{header}.{payload}.{flipped}")
    await refused(api, f"{header}.{payload}.")
    await refused(api, f"{header}.{payload}")
    # The member's signature on a payload that claims to be the owner.
    forged = b64(dict(claims_of(member), sub=org.owner["id"], role="owner"))
    await refused(api, f"{header}.{forged}.{signature}")
    # A longer lifetime, same signature.
    longer = b64(dict(claims_of(member), exp=int(time.time()) + 10**8))
    await refused(api, f"{header}.{longer}.{signature}")
    await refused(api, "a.b.c")
    await refused(api, member[::-1])


@pytest.mark.gen_test
async def test_only_hs256_with_our_secret(api, hub):
    org = await api.register()
    claims = claims_of(org.token)
    payload = b64(claims)
    for alg in ("none", "None", "NONE"):
        await refused(api, f"{b64({'alg': alg, 'typ': 'JWT'})}.{payload}.")
    await refused(api, f"{b64({'alg': 'none'})}.{payload}.{org.token.split('.')[2]}")
    for alg in ("HS384", "HS512"):
        await refused(api, sign(claims, hub.tokens.secret, alg))
    await refused(api, sign(claims, "another-secret-that-is-long-enough-for-hs256"))
    unsigned = f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{payload}"
    empty_key = hmac.new(b"", unsigned.encode(), hashlib.sha256).digest()
    await refused(api, f"{unsigned}.{base64.urlsafe_b64encode(empty_key).rstrip(b'=').decode()}")


@pytest.mark.gen_test
async def test_claims_must_be_complete_and_true(api, hub):
    org = await api.register()
    other = await api.register()
    claims = claims_of(org.token)
    for missing in ("sub", "org_id", "type", "exp", "iat"):
        await refused(api, sign({k: v for k, v in claims.items() if k != missing}, hub.tokens.secret))
    for change in [{"type": "api"}, {"type": None}, {"sub": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, {"org_id": other.id},
                   {"sub": other.owner["id"]}, {"exp": "tomorrow"}]:
        await refused(api, sign(dict(claims, **change), hub.tokens.secret))
    # The other org's owner, with the right org, is of course fine.
    assert (await me(api, sign(dict(claims, sub=other.owner["id"], org_id=other.id), hub.tokens.secret)))[
        "org"]["id"] == other.id


@pytest.mark.gen_test
async def test_api_keys(api):
    org = await api.register()
    agent, key = await org.agent()
    assert (await me(api, key))["agent"]["id"] == agent["id"]
    # The right lookup prefix with a wrong secret part, and other near misses.
    await refused(api, key[:16] + "x" * (len(key) - 16), code="INVALID_API_KEY")
    await refused(api, key[:-1] + ("A" if key[-1] != "A" else "B"), code="INVALID_API_KEY")
    await refused(api, key + "x", code="INVALID_API_KEY")
    await refused(api, key[:-1], code="INVALID_API_KEY")
    await refused(api, key[:16], code="INVALID_API_KEY")
    await refused(api, "AHQ_" + key[4:], code="INVALID_TOKEN")  # not an ahq_ key, so read as a JWT


@pytest.mark.gen_test
async def test_key_rotation_revokes_the_old_key_at_once(api):
    org = await api.register()
    agent, old = await org.agent()
    new = (await api.ok("POST", f"{API}/agents/{agent['id']}/rotate-key", token=org.token))["apiKey"]
    await refused(api, old, code="INVALID_API_KEY")
    await api.error("POST", f"{API}/posts", {"channel_id": await org.channel_id(), "content": "x"}, token=old,
                    code="INVALID_API_KEY", status=401)
    assert (await me(api, new))["agent"]["id"] == agent["id"]
    await org.post("with the new key", token=new)

    await api.ok("DELETE", f"{API}/agents/{agent['id']}", token=org.token)
    await refused(api, new, code="INVALID_API_KEY")


@pytest.mark.gen_test
async def test_a_removed_user_loses_access(api):
    from agenthq.models import User

    org = await api.register()
    user, token = await org.user("member")
    login = await api.ok("POST", f"{API}/auth/login", {"email": user["email"], "password": "member-pass"})
    User.delete().where(User.id == user["id"]).execute()
    await refused(api, token)
    await api.error("POST", f"{API}/auth/refresh", {"refreshToken": login["refreshToken"]}, code="INVALID_TOKEN")


class TestShortLivedAccess:
    @pytest.fixture
    def config_overrides(self):
        return {"access_token_ttl": -1}

    @pytest.mark.gen_test
    async def test_expired_access_token(self, api):
        org = await api.register()
        await refused(api, org.token)
        # The refresh token still works, and only hands out (here, already expired) access tokens.
        fresh = await api.ok("POST", f"{API}/auth/refresh", {"refreshToken": org.refresh_token})
        await refused(api, fresh["accessToken"])


class TestConfiguredSecret:
    SECRET = "a-configured-secret-of-reasonable-length-0123456789"

    @pytest.fixture
    def config_overrides(self):
        return {"jwt_secret": self.SECRET}

    @pytest.mark.gen_test
    async def test_tokens_are_signed_with_the_configured_secret(self, api, hub):
        org = await api.register()
        assert hub.tokens.secret == self.SECRET
        assert jwt.decode(org.token, self.SECRET, algorithms=["HS256"])["sub"] == org.owner["id"]
        await me(api, org.token)
