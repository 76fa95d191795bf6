"""The SDK's task calls and its worker loop against a real hub: `client.work()` claims the
next task, renews the lease while the body runs, completes the task when the body returns and
releases it when the body raises."""

import asyncio
import contextlib

import pytest

from agenthq.client import AgentHQError
from tests.test_client import new_org


@pytest.fixture
def config_overrides():
    return {"task_sweep_interval": 0.1}


@pytest.fixture
def url(http_server, http_port):
    return f"http://127.0.0.1:{http_port}"


@pytest.mark.gen_test(timeout=30)
async def test_task_calls(url):
    owner, agent, made = await new_org(url)
    task = await owner.create_task("ship it", priority="high", channel="general", assigned_to=made["id"])
    assert task["assigned_type"] == "agent" and task["channel_id"]
    assert [t["id"] for t in await agent.list_tasks(assigned_to="me")] == [task["id"]]
    assert await agent.list_tasks(claimable=True) == []
    claimed = await agent.claim_task(task["id"], lease_seconds=30)
    assert claimed["status"] == "in_progress"
    renewed = await agent.renew_task(task["id"], lease_seconds=60)
    assert renewed["lease_expires_at"] > claimed["lease_expires_at"]
    assert (await agent.release_task(task["id"]))["status"] == "open"
    with pytest.raises(AgentHQError) as refused:
        await agent.release_task(task["id"])
    assert refused.value.code == "NOT_CLAIMED" and refused.value.status == 409
    updated = await owner.update_task(task["id"], description=None, priority="low")
    assert updated["priority"] == "low"
    assert await owner.delete_task(task["id"]) == {"deleted": True}
    assert await agent.claim_next_task() is None


@pytest.mark.gen_test(timeout=90)
async def test_the_worker_completes_renews_and_releases(url):
    owner, agent, made = await new_org(url)
    first = await owner.create_task("first", priority="urgent")
    second = await owner.create_task("second", priority="high")
    seen = []
    async with contextlib.aclosing(agent.work(lease_seconds=10, stop_when_empty=True)) as tasks:
        async for task in tasks:
            seen.append(task["id"])
            assert task["assigned_to"] == made["id"]
            # The worker renews the 10 s lease every third of it while the body runs.
            async def renewed():
                return (await owner.get_task(task["id"]))["lease_expires_at"] > task["lease_expires_at"]
            await eventually_async(renewed, timeout=15)
    assert seen == [first["id"], second["id"]]
    for task in (first, second):
        assert (await owner.get_task(task["id"]))["status"] == "completed"

    failing = await owner.create_task("fails")
    with pytest.raises(RuntimeError):
        async with contextlib.aclosing(agent.work(stop_when_empty=True)) as tasks:
            async for task in tasks:
                raise RuntimeError("the body failed")
    back = await owner.get_task(failing["id"])
    assert back["status"] == "open" and back["assigned_to"] is None and back["claim_count"] == 1


async def eventually_async(predicate, timeout=5, step=0.1):
    """Poll an async condition until it holds (state the server reaches on its own)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(step)
