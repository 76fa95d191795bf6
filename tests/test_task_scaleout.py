"""Claims with leases across hub processes: two processes on one PostgreSQL database and one
Redis (real servers). Concurrent claims through both have one winner; workers on both drain a
queue with no task taken twice; an expired lease is reported once, whichever process sweeps."""

import asyncio
import itertools
from datetime import datetime, timezone

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


@pytest.mark.gen_test(timeout=90)
async def test_claims_racing_both_sweeps_at_expiry_report_each_expiry_once(hubs):  # noqa: F811
    """A stress check: at the moment leases run out, both processes sweep (every 0.2 s) while
    takers on both claim the same tasks by id; each task is taken once and its expiry reported
    once. The race it may hit is forced, every time, by the next test."""
    a, b = hubs(2, env=LEASES)
    api_a, api_b = api_for(a), api_for(b)
    org = await api_a.register()
    _, holder = await org.agent("holder")
    takers = await agent_keys(api_a, org, 6)
    _, since = await open_socket(a, org.token)
    made = [await api_a.ok("POST", f"{API}/tasks", {"title": f"t{n}"}, token=org.token, status=201)
            for n in range(12)]
    leases = [await (api_a if n % 2 else api_b).ok("POST", f"{API}/tasks/{t['id']}/claim", {"lease_seconds": 10},
                                                   token=holder) for n, t in enumerate(made)]
    # Start just before the first lease runs out (the wait is for a deadline, not an event).
    first = datetime.fromisoformat(min(t["lease_expires_at"] for t in leases).replace("Z", "+00:00"))
    await asyncio.sleep(max(0.0, (first - datetime.now(timezone.utc)).total_seconds() - 0.3))
    won = {}

    async def take(n, key):
        api = api_a if n % 2 else api_b
        pending = [t["id"] for t in made]
        while pending:
            task_id = pending.pop(0)
            status, payload = await api.call("POST", f"{API}/tasks/{task_id}/claim", {"lease_seconds": 60}, token=key)
            if status == 200:
                won.setdefault(task_id, []).append(key)
            elif payload["error"]["code"] == "TASK_CLAIMED" and task_id not in won:
                pending.append(task_id)  # still the holder's (or a taker's that won meanwhile)

    await asyncio.gather(*(take(n, key) for n, key in enumerate(takers)))
    assert sorted(won) == sorted(t["id"] for t in made) and all(len(keys) == 1 for keys in won.values())
    await api_a.ok("POST", f"{API}/tasks", {"title": "sentinel"}, token=org.token, status=201)
    resumed, _ = await open_socket(b, org.token, since=since)
    expired = []
    while (frame := await resumed.recv(10))["type"] != "task.created" or frame["data"]["title"] != "sentinel":
        if frame["type"] == "task.expired":
            expired.append(frame["data"]["id"])
    assert sorted(expired) == sorted(t["id"] for t in made), expired


@pytest.mark.gen_test(timeout=90)
async def test_a_claim_that_read_the_lease_before_another_processs_sweep_does_not_report_it_again(
        hubs, database):  # noqa: F811
    """The interleaving forced with row locks held from the test's own connection: A's sweep
    has put the task back (and holds its row) but waits for the organization's event seq; B's
    claim has read the expired lease and waits for the task's row. Once the sweep commits, the
    claim finds the row changed since it read it: it claims the task, but the expiry was the
    sweep's to report, once."""
    import psycopg2

    (a,) = hubs(1, env=LEASES)  # A sweeps every 0.2 s
    (b,) = hubs(1, env={"AGENTHQ_TASK_SWEEP_INTERVAL": "3600"})  # B only claims
    api_a, api_b = api_for(a), api_for(b)
    org = await api_a.register()
    _, holder = await org.agent("holder")
    _, taker = await org.agent("taker")
    await api_b.ok("GET", f"{API}/tasks", token=taker)  # B knows the taker's key already
    _, since = await open_socket(a, org.token)
    task = await api_a.ok("POST", f"{API}/tasks", {"title": "t"}, token=org.token, status=201)
    await api_a.ok("POST", f"{API}/tasks/{task['id']}/claim", {"lease_seconds": 10}, token=holder)

    blocker = psycopg2.connect(database)
    watcher = psycopg2.connect(database)
    watcher.autocommit = True

    async def waiting(statement):
        """Until a backend of this database waits for a lock in `statement` (no event tells)."""
        while True:
            with watcher.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND wait_event_type = 'Lock' AND query LIKE %s", (statement + "%",))
                if cursor.fetchone()[0]:
                    return
            await asyncio.sleep(0.05)

    try:
        with blocker.cursor() as cursor:  # the organization's seq row: every event waits for it
            cursor.execute('SELECT 1 FROM "organization" WHERE "id" = %s FOR UPDATE', (org.id,))
        await asyncio.wait_for(waiting('UPDATE "organization"'), 30)  # A's sweep, past its task UPDATE
        claim = asyncio.ensure_future(api_b.call("POST", f"{API}/tasks/{task['id']}/claim", {}, token=taker))
        await asyncio.wait_for(waiting('UPDATE "task"'), 30)  # B's claim, behind the sweep's row lock
        blocker.rollback()
        status, payload = await claim
    finally:
        blocker.close()
        watcher.close()
    assert status == 200 and payload["data"]["claim_count"] == 2, payload

    await api_a.ok("POST", f"{API}/tasks", {"title": "sentinel"}, token=org.token, status=201)
    resumed, _ = await open_socket(b, org.token, since=since)
    heard = []
    while (frame := await resumed.recv(10))["type"] != "task.created" or frame["data"]["title"] != "sentinel":
        heard.append(frame["type"])
    assert heard.count("task.expired") == 1 and heard.count("task.claimed") == 2, heard
