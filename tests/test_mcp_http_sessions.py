"""`agenthq mcp --http` keeps one /ws per MCP session and closes it once the session has been
idle for --session-idle seconds (600 by default; 1 here), which the hub sees as the agent
going offline."""

import asyncio

import pytest

from agenthq.client import AgentHQClient, SyncClient
from tests.support import HubProcess
from tests.support.mcp import McpHttpProcess, call, http_client


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mcp-idle")
    # Offline 2 s after the agent's last socket closes (its connect counts as a heartbeat).
    with HubProcess(folder / "hub.db", log=folder / "hub.log", env={"AGENTHQ_PRESENCE_TIMEOUT": "2"}) as running:
        with SyncClient(running.url) as owner:
            owner.register("Idle Org", "idle-org", "owner@idle.test", "correct-horse", "Olive Owner")
            made = owner.register_agent("sleepy")
            running.key, running.agent_id = made["apiKey"], made["agent"]["id"]
        mcp = McpHttpProcess(running.url, folder / "mcp.log", args=["--session-idle", "1"]).start()
        running.mcp = mcp
        yield running
        mcp.stop()


def test_an_idle_sessions_socket_is_closed_and_the_agent_goes_offline(hub):
    async def main():
        watcher = AgentHQClient(hub.url)
        await watcher.login("owner@idle.test", "correct-horse")
        seen = {"agent.online": asyncio.Event(), "agent.offline": asyncio.Event()}
        def note(kind):
            return lambda agent: seen[kind].set() if agent["id"] == hub.agent_id else None

        watcher.on("agent.online", note("agent.online"))
        watcher.on("agent.offline", note("agent.offline"))
        await watcher.connect()
        try:
            async with http_client(hub.mcp.url, hub.key, mode="legacy") as client:
                assert (await call(client, "hub_agents"))[0]["id"] == hub.agent_id
                await seen["agent.online"].wait()  # the session's /ws is open
                await seen["agent.offline"].wait()  # idle: closed by the server, not by us
                # The next request opens a new /ws; hub_wait says events may have been missed
                # while there was none (hub_inbox catches up), then follows along again.
                seen["agent.online"].clear()
                first = await call(client, "hub_wait", timeout_seconds=0)
                assert first["timed_out"] is True and first["missed"] is True
                await seen["agent.online"].wait()
                assert (await call(client, "hub_wait", timeout_seconds=0))["missed"] is False
        finally:
            await watcher.close()

    asyncio.run(asyncio.wait_for(main(), 120))
