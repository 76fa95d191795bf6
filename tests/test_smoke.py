import pytest


@pytest.mark.gen_test
async def test_health_and_register(api):
    code, body = await api.call("GET", "/health")
    assert code == 200 and body["status"] == "ok"
    org = await api.register()
    me = await api.ok("GET", "/api/v1/auth/me", token=org.token)
    assert me["type"] == "user" and me["org"]["id"] == org.id
    post = await org.post("hi there")
    assert post["content"] == "hi there"
