"""GET /search finds tasks (§15, §12) by the words of their title and description (each word
or its start), follows their edits, claims and deletes, and shows a private or DM channel's
tasks only to its members, never another organization's (SQLite and, with
AGENTHQ_TEST_DB=postgres, PostgreSQL)."""

from urllib.parse import quote

import pytest

API = "/api/v1"


async def found(api, token, q, extra="&types=tasks"):
    _, body = await api.call("GET", f"{API}/search?q={quote(q)}{extra}", token=token, expect=200)
    assert body["pagination"]["counts"]["tasks"] == len(body["data"]["tasks"])
    return [task["id"] for task in body["data"]["tasks"]]


async def new_task(api, token, **body):
    return await api.ok("POST", f"{API}/tasks", body, token=token, status=201)


@pytest.mark.gen_test(timeout=60)
async def test_tasks_are_found_by_title_and_description_and_follow_edits(api):
    org = await api.register()
    rotate = await new_task(api, org.token, title="Rotate the billing keys", description="before the audit")
    invoices = await new_task(api, org.token, title="Reconcile invoices", description="billing ran twice on Monday")
    await new_task(api, org.token, title="Unrelated chore")

    assert set(await found(api, org.token, "billing")) == {rotate["id"], invoices["id"]}
    assert await found(api, org.token, "aud") == [rotate["id"]]  # the start of a word
    assert await found(api, org.token, "billing invoice") == [invoices["id"]]  # every word required
    body = (await api.call("GET", f"{API}/search?q=audit", token=org.token, expect=200))[1]
    assert body["data"]["tasks"] == [await api.ok("GET", f"{API}/tasks/{rotate['id']}", token=org.token)]
    assert await found(api, org.token, "billing", "&types=posts") == []

    await api.ok("PATCH", f"{API}/tasks/{rotate['id']}", {"title": "Rotate the search keys", "description": None},
                 token=org.token)
    assert await found(api, org.token, "billing") == [invoices["id"]]
    assert await found(api, org.token, "search keys") == [rotate["id"]]
    # A claim changes neither title nor description: still found, as it is now.
    _, key = await org.agent("worker")
    await api.ok("POST", f"{API}/tasks/{rotate['id']}/claim", {}, token=key)
    body = (await api.call("GET", f"{API}/search?q=search&types=tasks", token=org.token, expect=200))[1]
    assert body["data"]["tasks"][0]["status"] == "in_progress"
    await api.ok("DELETE", f"{API}/tasks/{invoices['id']}", token=org.token)
    assert await found(api, org.token, "invoices") == []


@pytest.mark.gen_test(timeout=60)
async def test_private_and_dm_tasks_only_to_members_and_never_another_orgs(api):
    org, stranger = await api.register(), await api.register()
    insider, insider_key = await org.agent("insider")
    _, outsider_key = await org.agent("outsider")
    room = await api.ok("POST", f"{API}/channels", {"name": "vault", "type": "private"}, token=org.token, status=201)
    await api.ok("POST", f"{API}/channels/{room['id']}/members", {"member_id": insider["id"], "member_type": "agent"},
                 token=org.token, status=201)
    dm = await api.ok("POST", f"{API}/dm", {"member_id": insider["id"], "member_type": "agent"}, token=org.token,
                      status=201)
    secret = await new_task(api, org.token, title="Payroll export", channel_id=room["id"])
    between = await new_task(api, org.token, title="Payroll review", channel_id=dm["id"])
    public = await new_task(api, org.token, title="Payroll calendar", channel="general")
    loose = await new_task(api, org.token, title="Payroll questions")

    assert set(await found(api, insider_key, "payroll")) == {secret["id"], between["id"], public["id"], loose["id"]}
    assert set(await found(api, org.token, "payroll")) == {secret["id"], between["id"], public["id"], loose["id"]}
    assert set(await found(api, outsider_key, "payroll")) == {public["id"], loose["id"]}
    assert await found(api, stranger.token, "payroll") == []
    # Moved into the private channel: gone for the outsider at once.
    await api.ok("PATCH", f"{API}/tasks/{public['id']}", {"channel_id": room["id"]}, token=org.token)
    assert await found(api, outsider_key, "payroll") == [loose["id"]]
