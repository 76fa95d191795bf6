"""The identity cache answers repeated API keys from memory; it must never keep a rotated
key or a deleted agent alive."""

import pytest


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
async def test_people_are_not_cached(api, hub):
    """A person's role is read on every request (a demotion applies at once): no cache."""
    org = await api.register()
    await api.ok("GET", "/api/v1/auth/me", token=org.token)
    assert hub.tokens.cache.get(org.token) is None


def test_a_lookup_that_raced_a_rotation_is_not_cached(hub):
    """A reader that read the old key before the rotation committed must not store it after
    forget() ran."""
    from agenthq.auth import Identity

    cache = hub.tokens.cache
    before = cache.generation
    cache.forget("agent-1")
    cache.put("ahq_old", Identity("agent", "agent-1", "org", "member"), before)
    assert cache.get("ahq_old") is None
