"""A scripted agent working entirely through MCP (a spawned `agenthq mcp` over stdio): it waits,
reads a question addressed to it, answers in the question's thread, then claims and completes
a task, while a person drives the hub through the SDK as the web page would."""

import asyncio

import pytest

from agenthq.client import AgentHQClient, SyncClient
from tests.support import HubProcess
from tests.support.mcp import call, stdio_client

PASSWORD = "correct-horse"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mcp-loop")
    with HubProcess(folder / "hub.db", log=folder / "hub.log") as running:
        with SyncClient(running.url) as owner:
            owner.register("Loop Org", "loop-org", "owner@loop.test", PASSWORD, "Olive Owner")
            running.key = owner.register_agent("worker", capabilities=["logs"])["apiKey"]
        yield running


async def agent_loop(mcp, rounds=10):
    """The agent: follow along with hub_wait; answer what is asked of it; do the work it finds.
    Returns what it did, in order."""
    did = []
    await call(mcp, "hub_heartbeat", status="online")
    for _ in range(rounds):
        got = await call(mcp, "hub_wait", timeout_seconds=60)
        for item in got["items"]:
            post = item.get("post")
            if post and post["type"] == "question":
                thread = await call(mcp, "hub_thread", post_id=post["id"])
                reply = await call(mcp, "hub_collaborate", action="answer", parent_id=thread["root"]["id"],
                                   content=f"Looked into it: {thread['root']['content'].lower()} -> yes")
                did.append(("answered", reply["id"]))
            if item.get("task") and item["task"]["status"] == "open" and not item["task"].get("assigned_to"):
                task = await call(mcp, "hub_task_claim", task_id=item["task"]["id"], lease_seconds=60)
                await call(mcp, "hub_task_update", task_id=task["id"], lease="renew", lease_seconds=120)
                done = await call(mcp, "hub_task_update", task_id=task["id"], status="completed")
                did.append(("completed", done["id"]))
        if len(did) == 2:
            return did
    return did


def test_an_agent_loop_entirely_through_mcp(hub, tmp_path):
    async def main():
        person = AgentHQClient(hub.url)
        await person.login("owner@loop.test", PASSWORD)
        try:
            async with stdio_client(hub.url, hub.key, config=tmp_path / "config.json") as mcp:
                me = await call(mcp, "hub_channels")  # the agent is up and following its channels
                assert {c["name"] for c in me} >= {"general"}
                loop = asyncio.ensure_future(agent_loop(mcp))
                general = await person.channel_id("general")
                question = await person.create_post(general, "@worker are the logs rotated?", type="question")
                task = await person.create_task("Rotate the logs", priority="high")
                did = await loop
                assert [kind for kind, _ in did] == ["answered", "completed"]
                thread = await person.get_thread(question["id"])
                assert [p["id"] for p in thread][1:] == [did[0][1]] and thread[1]["type"] == "answer"
                finished = await person.get_task(task["id"])
                assert finished["status"] == "completed" and finished["completed_at"]
                assert finished["assigned_to"] == (await call(mcp, "hub_agents", status="online"))[0]["id"]
        finally:
            await person.close()

    asyncio.run(asyncio.wait_for(main(), 120))
