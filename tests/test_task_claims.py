"""Claims with leases (SPEC §12.1), black-box: one winner among concurrent claimers, a queue
drained by competing workers with no task taken twice, every 409 code, and a lease that is
not renewed coming back to the pool with task.expired (awaited, never slept for)."""

import asyncio

import pytest

from tests.support import open_ws

API = "/api/v1"


@pytest.fixture
def config_overrides():
    # A sweep every 0.1 s: the shortest lease (10 s) is then reported as soon as it ends.
    return {"task_sweep_interval": 0.1}


async def agents(org, count):
    return [await org.agent(f"worker-{n}") for n in range(count)]


@pytest.mark.gen_test(timeout=60)
async def test_twenty_concurrent_claims_have_one_winner(api):
    org = await api.register()
    workers = await agents(org, 20)
    task = await api.ok("POST", f"{API}/tasks", {"title": "only one"}, token=org.token, status=201)
    answers = await asyncio.gather(*(
        api.call("POST", f"{API}/tasks/{task['id']}/claim", {"lease_seconds": 60}, token=key) for _, key in workers))
    winners = [payload for status, payload in answers if status == 200]
    losers = [payload["error"]["code"] for status, payload in answers if status == 409]
    assert len(winners) == 1 and losers == ["TASK_CLAIMED"] * 19
    got = await api.ok("GET", f"{API}/tasks/{task['id']}", token=org.token)
    assert got["claim_count"] == 1 and got["assigned_to"] == winners[0]["data"]["assigned_to"]


@pytest.mark.gen_test(timeout=120)
async def test_ten_workers_drain_a_hundred_tasks_each_once(api):
    org = await api.register()
    workers = await agents(org, 10)
    created = [await api.ok("POST", f"{API}/tasks", {"title": f"t{n}"}, token=org.token, status=201) for n in range(100)]
    taken = []

    async def work(key):
        while True:
            task = await api.ok("POST", f"{API}/tasks/claim", {"lease_seconds": 60}, token=key)
            if task is None:
                return
            taken.append(task["id"])

    await asyncio.gather(*(work(key) for _, key in workers))
    assert sorted(taken) == sorted(t["id"] for t in created)


@pytest.mark.gen_test(timeout=30)
async def test_claim_next_takes_priority_then_due_date_then_age(api):
    org = await api.register()
    _, key = await org.agent("worker")
    made = {}
    for title, body in (("low", {"priority": "low"}), ("plain", {}), ("late", {"due_date": "2030-01-01"}),
                        ("soon", {"due_date": "2027-01-01"}), ("urgent", {"priority": "urgent"}),
                        ("taken", {"priority": "urgent", "assigned_to": org.owner["id"]})):
        made[title] = await api.ok("POST", f"{API}/tasks", {"title": title, **body}, token=org.token, status=201)
    order = [(await api.ok("POST", f"{API}/tasks/claim", {}, token=key))["title"] for _ in range(5)]
    assert order == ["urgent", "soon", "late", "plain", "low"]
    assert await api.ok("POST", f"{API}/tasks/claim", {}, token=key) is None


@pytest.mark.gen_test(timeout=30)
async def test_conflicts_and_rights(api):
    org = await api.register()
    (holder, holder_key), (other, other_key) = await agents(org, 2)
    task = await api.ok("POST", f"{API}/tasks", {"title": "t"}, token=org.token, status=201)
    path = f"{API}/tasks/{task['id']}"
    await api.error("POST", f"{path}/renew", {}, token=holder_key, code="NOT_CLAIMED")
    await api.error("POST", f"{path}/release", token=holder_key, code="NOT_CLAIMED")
    await api.error("POST", f"{path}/claim", {"lease_seconds": 9}, token=holder_key, code="VALIDATION_ERROR")
    claimed = await api.ok("POST", f"{path}/claim", {"lease_seconds": 60}, token=holder_key)
    assert claimed["status"] == "in_progress" and claimed["claimed_at"] and claimed["lease_expires_at"]
    again = await api.ok("POST", f"{path}/claim", {"lease_seconds": 120}, token=holder_key)  # renews
    assert again["claim_count"] == 1 and again["lease_expires_at"] > claimed["lease_expires_at"]
    await api.error("POST", f"{path}/claim", {}, token=other_key, code="TASK_CLAIMED", status=409)
    await api.error("POST", f"{path}/renew", {}, token=other_key, code="FORBIDDEN")
    await api.error("POST", f"{path}/release", token=other_key, code="FORBIDDEN")
    await api.error("PATCH", path, {"status": "completed"}, token=other_key, code="FORBIDDEN")
    await api.ok("PATCH", path, {"title": "retitled"}, token=other_key)  # other fields stay open to all
    renewed = await api.ok("POST", f"{path}/renew", {"lease_seconds": 300}, token=holder_key)
    assert renewed["lease_expires_at"] > again["lease_expires_at"]
    # The creator hands it to the other agent: the lease ends, and the holder is now refused.
    handed = await api.ok("PATCH", path, {"assigned_to": other["id"]}, token=org.token)
    assert handed["lease_expires_at"] is None and handed["assigned_type"] == "agent"
    await api.error("POST", f"{path}/claim", {}, token=holder_key, code="TASK_ASSIGNED", status=409)
    await api.ok("POST", f"{path}/claim", {}, token=other_key)
    await api.ok("PATCH", path, {"status": "completed"}, token=other_key)
    await api.error("POST", f"{path}/claim", {}, token=holder_key, code="TASK_CLOSED", status=409)


@pytest.mark.gen_test(timeout=60)
async def test_a_lease_not_renewed_expires_and_the_task_is_claimable_again(api, ws_connect):
    org = await api.register()
    (first, first_key), (second, second_key) = await agents(org, 2)
    ws, _ = await open_ws(ws_connect, org.token)
    task = await api.ok("POST", f"{API}/tasks", {"title": "t"}, token=org.token, status=201)
    await api.ok("POST", f"{API}/tasks/{task['id']}/claim", {"lease_seconds": 10}, token=first_key)
    expired = await ws.expect("task.expired", timeout=30)
    assert expired["data"]["id"] == task["id"] and expired["data"]["status"] == "open"
    assert expired["data"]["assigned_to"] is None and expired["data"]["lease_expires_at"] is None
    assert expired["data"]["previous_assignee"] == {"id": first["id"], "type": "agent"}
    await api.error("POST", f"{API}/tasks/{task['id']}/renew", {}, token=first_key, code="LEASE_EXPIRED", status=409)
    again = await api.ok("POST", f"{API}/tasks/{task['id']}/claim", {"lease_seconds": 60}, token=second_key)
    assert again["assigned_to"] == second["id"] and again["claim_count"] == 2
    await api.error("POST", f"{API}/tasks/{task['id']}/renew", {}, token=first_key, code="FORBIDDEN")


@pytest.mark.gen_test(timeout=30)
async def test_deleting_an_agent_releases_its_tasks(api, ws_connect):
    org = await api.register()
    agent, key = await org.agent("doomed")
    ws, _ = await open_ws(ws_connect, org.token)
    task = await api.ok("POST", f"{API}/tasks", {"title": "t"}, token=org.token, status=201)
    await api.ok("POST", f"{API}/tasks/{task['id']}/claim", {"lease_seconds": 60}, token=key)
    await api.ok("DELETE", f"{API}/agents/{agent['id']}", token=org.token)
    released = await ws.expect("task.released")
    assert released["data"]["previous_assignee"]["id"] == agent["id"]
    assert (await api.ok("GET", f"{API}/tasks/{task['id']}", token=org.token))["status"] == "open"
