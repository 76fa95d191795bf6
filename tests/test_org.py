"""/org: everyone in the organization reads it; only an owner or admin changes it."""

import pytest

from agenthq.models import User

API = "/api/v1"


@pytest.mark.gen_test
async def test_everyone_reads_the_org(api):
    org = await api.register()
    _, member = await org.user("member")
    _, key = await org.agent()
    for token in (org.token, member, key):
        data = await api.ok("GET", f"{API}/org", token=token)
        assert data == org.data["org"]


@pytest.mark.gen_test
@pytest.mark.parametrize("role", ["owner", "admin"])
async def test_owner_and_admin_patch_the_org(api, role):
    org = await api.register()
    token = org.token if role == "owner" else (await org.user("admin"))[1]
    settings = {"timezone": "UTC", "nested": {"a": [1, 2]}}
    data = await api.ok("PATCH", f"{API}/org", {"name": "Renamed", "settings": settings}, token=token)
    assert data["name"] == "Renamed" and data["settings"] == settings
    assert data["slug"] == org.data["org"]["slug"] and data["updated_at"] >= org.data["org"]["updated_at"]
    assert await api.ok("GET", f"{API}/org", token=org.token) == data

    only_name = await api.ok("PATCH", f"{API}/org", {"name": "Again"}, token=token)
    assert only_name["name"] == "Again" and only_name["settings"] == settings
    assert (await api.ok("PATCH", f"{API}/org", {}, token=token))["name"] == "Again"


@pytest.mark.gen_test
async def test_member_and_agent_cannot_patch_the_org(api):
    org = await api.register()
    _, member = await org.user("member")
    _, key = await org.agent()
    for token in (member, key):
        await api.error("PATCH", f"{API}/org", {"name": "Hijacked"}, token=token, code="FORBIDDEN", status=403)
    assert (await api.ok("GET", f"{API}/org", token=org.token))["name"] == org.data["org"]["name"]


@pytest.mark.gen_test
async def test_patch_validation(api):
    org = await api.register()
    for body, field in [({"name": ""}, "name"), ({"name": "x" * 101}, "name"), ({"settings": "dark"}, "settings"),
                        ({"name": 5}, "name")]:
        error = await api.error("PATCH", f"{API}/org", body, token=org.token, code="VALIDATION_ERROR", status=400)
        assert error["field"] == field


@pytest.mark.gen_test
async def test_a_demotion_takes_effect_at_once(api):
    org = await api.register()
    admin, token = await org.user("admin")
    await api.ok("PATCH", f"{API}/org", {"name": "By admin"}, token=token)
    User.update(role="member").where(User.id == admin["id"]).execute()
    await api.error("PATCH", f"{API}/org", {"name": "Still admin?"}, token=token, code="FORBIDDEN", status=403)
