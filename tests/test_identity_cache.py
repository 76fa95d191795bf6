"""The identity cache answers repeated tokens from memory; it must never keep a revoked key,
a deleted agent or an expired JWT alive."""

import asyncio

import pytest

from agenthq.security import encode_token


@pytest.mark.gen_test
async def test_rotated_key_is_refused_at_once_even_when_cached(api, hub):
    org = await api.register()
    agent, key = await org.agent("cached")
    await api.ok("GET", "/api/v1/auth/me", token=key)
    assert hub.tokens.cache.get(key) is not None  # the key is now answered from memory
    new_key = (await api.ok("POST", f"/api/v1/agents/{agent['id']}/rotate-key", token=org.token))["apiKey"]
    await api.error("GET", "/api/v1/auth/me", token=key, code="INVALID_API_KEY", status=401)
    assert (await api.ok("GET", "/api/v1/auth/me", token=new_key))["agent"]["id"] == agent["id"]


@pytest.mark.gen_test
async def test_deleted_agent_key_is_refused_at_once_even_when_cached(api):
    org = await api.register()
    agent, key = await org.agent("doomed")
    await api.ok("GET", "/api/v1/auth/me", token=key)
    await api.ok("DELETE", f"/api/v1/agents/{agent['id']}", token=org.token)
    await api.error("GET", "/api/v1/auth/me", token=key, code="INVALID_API_KEY", status=401)


@pytest.mark.gen_test
async def test_cached_jwt_is_refused_once_it_expires(api, hub):
    org = await api.register()
    user = org.owner
    short = encode_token(hub.tokens.secret, subject=user["id"], org_id=org.id, role="owner",
                         token_type="access", ttl=1)
    await api.ok("GET", "/api/v1/auth/me", token=short)
    assert hub.tokens.cache.get(short) is not None
    await asyncio.sleep(1.6)
    assert hub.tokens.cache.get(short) is None
    await api.error("GET", "/api/v1/auth/me", token=short, code="INVALID_TOKEN", status=401)


def test_a_lookup_that_raced_a_rotation_is_not_cached(hub):
    """A reader that read the old key before the rotation committed must not store it after
    forget() ran."""
    from agenthq.auth import Identity

    cache = hub.tokens.cache
    before = cache.generation
    cache.forget("agent-1")
    cache.put("ahq_old", Identity("agent", "agent-1", "org", "member"), before)
    assert cache.get("ahq_old") is None
