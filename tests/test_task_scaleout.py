"""Claims with leases across hub processes: two processes on one PostgreSQL database and one
Redis (real servers). Concurrent claims through both have one winner; workers on both drain a
queue with no task taken twice; an expired lease is reported once, whichever process sweeps."""

import asyncio
import itertools

import pytest

from tests.test_scaleout import api_for, database, hubs, open_socket, redis  # noqa: F401 (fixtures)

API = "/api/v1"
LEASES = {"AGENTHQ_TASK_SWEEP_INTERVAL": "0.2"}


async def agent_keys(api, org, count):
    return [(await org.agent(f"worker-{n}"))[1] for n in range(count)]


@pytest.mark.gen_test(timeout=90)
async def test_claims_through_two_processes_have_one_winner_each(hubs):  # noqa: F811
    a, b = hubs(2, env=LEASES)
    api_a, api_b = api_for(a), api_for(b)
    org = await api_a.register()
    keys = await agent_keys(api_a, org, 20)
    task = await api_a.ok("POST", f"{API}/tasks", {"title": "one"}, token=org.token, status=201)
    apis = itertools.cycle([api_a, api_b])
    answers = await asyncio.gather(*(next(apis).call("POST", f"{API}/tasks/{task['id']}/claim", {}, token=key)
                                     for key in keys))
    codes = sorted("won" if status == 200 else payload["error"]["code"] for status, payload in answers)
    assert codes == ["TASK_CLAIMED"] * 19 + ["won"], codes

    made = [await api_a.ok("POST", f"{API}/tasks", {"title": f"t{n}"}, token=org.token, status=201)
            for n in range(40)]
    taken = []

    async def work(api, key):
        while (got := await api.ok("POST", f"{API}/tasks/claim", {}, token=key)) is not None:
            taken.append(got["id"])

    await asyncio.gather(*(work(api_a if n % 2 else api_b, key) for n, key in enumerate(keys[:10])))
    assert sorted(taken) == sorted(t["id"] for t in made)


@pytest.mark.gen_test(timeout=60)
async def test_an_expired_lease_is_reported_once_by_either_process(hubs):  # noqa: F811
    a, b = hubs(2, env=LEASES)
    api_a, api_b = api_for(a), api_for(b)
    org = await api_a.register()
    _, key = await org.agent("worker")
    on_a, since = await open_socket(a, org.token)
    on_b, _ = await open_socket(b, org.token)
    await api_b.ok("GET", f"{API}/tasks", token=org.token)  # both processes serve, so both sweep
    task = await api_a.ok("POST", f"{API}/tasks", {"title": "t"}, token=org.token, status=201)
    await api_b.ok("POST", f"{API}/tasks/{task['id']}/claim", {"lease_seconds": 10}, token=key)
    for client in (on_a, on_b):
        expired = await client.expect("task.expired", 30)
        assert expired["data"]["id"] == task["id"]
    # The log holds it once: a client resuming from before hears exactly one, then a sentinel.
    await api_a.ok("POST", f"{API}/tasks", {"title": "sentinel"}, token=org.token, status=201)
    resumed, _ = await open_socket(b, org.token, since=since)
    heard = []
    while (frame := await resumed.recv(10))["type"] != "task.created" or frame["data"]["title"] != "sentinel":
        heard.append(frame["type"])
    assert heard.count("task.expired") == 1, heard
