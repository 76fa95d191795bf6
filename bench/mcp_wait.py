"""hub_wait's post→return latency: an agent waits through `agenthq mcp` (stdio, or --http)
while another posts through the REST API; the time from the POST's start to hub_wait
returning that post, over N posts (p50, p99, max).

The hub runs in its own process on core 0; the MCP server and this driver share core 1. Each
round starts a hub_wait, lets it reach the server (20 ms), then posts; a post that lands
before the wait is blocked is returned at once from the buffer, so either way the figure is
the time until the agent holds the post.

Usage: python bench/mcp_wait.py [--posts 100] [--transport stdio|http|both]"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from hubproc import ROOT, Hub, percentile, pinned  # noqa: E402

from mcp import Client, StdioServerParameters  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp.shared._httpx_utils import create_mcp_http_client  # noqa: E402

from agenthq.client import AgentHQClient  # noqa: E402


def environ(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTHQ_")}
    # No saved CLI sign-in of this machine is read: a path where no file is.
    return {**env, "AGENTHQ_CONFIG": str(Path(tempfile.gettempdir()) / "agenthq-bench-no-config.json"), **extra}


@contextlib.asynccontextmanager
async def stdio_agent(url, key):
    command = pinned([sys.executable, "-m", "agenthq", "mcp"], 1)
    params = StdioServerParameters(command=command[0], args=command[1:], cwd=str(ROOT),
                                   env=environ(AGENTHQ_URL=url, AGENTHQ_TOKEN=key))
    async with Client(params) as client:
        yield client


@contextlib.asynccontextmanager
async def http_agent(url, key):
    command = pinned([sys.executable, "-m", "agenthq", "mcp", "--http", "--port", "0", "--url", url], 1)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environ(), cwd=ROOT)
    try:
        line = await asyncio.to_thread(process.stdout.readline)
        mcp_url = re.search(r"(http://\S+/mcp)", line).group(1)
        async with create_mcp_http_client(headers={"Authorization": f"Bearer {key}"}) as http:
            async with Client(streamable_http_client(mcp_url, http_client=http)) as client:
                yield client
    finally:
        process.terminate()
        process.wait()


async def measure(agent, writer, general, posts):
    latencies = []
    await agent.call_tool("hub_channels", {})  # the session and its socket are up
    for n in range(posts):
        waiting = asyncio.ensure_future(agent.call_tool("hub_wait", {"timeout_seconds": 30}))
        await asyncio.sleep(0.02)
        started = time.perf_counter()
        post = await writer.create_post(general, f"round {n}")
        while True:
            result = await waiting
            answer = json.loads(result.content[0].text)
            if any(item.get("post", {}).get("id") == post["id"] for item in answer["items"]):
                break
            waiting = asyncio.ensure_future(agent.call_tool("hub_wait", {"timeout_seconds": 30}))
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def run(transport, posts):
    with Hub(core=0) as hub:
        token, reader_key, general = hub.setup_org()
        writer_key = hub.call("POST", "/api/v1/auth/agents/register", {"name": "writer"}, token)["apiKey"]
        writer = AgentHQClient(hub.url, api_key=writer_key)
        opener = stdio_agent if transport == "stdio" else http_agent
        try:
            async with opener(hub.url, reader_key) as agent:
                latencies = await measure(agent, writer, general, posts)
        finally:
            await writer.close()
    print(f"hub_wait post→return over {transport:5} ({posts} posts, {os.cpu_count()} cores): "
          f"p50 {percentile(latencies, 0.5):.1f} ms  p99 {percentile(latencies, 0.99):.1f} ms  "
          f"max {max(latencies):.1f} ms", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--transport", choices=["stdio", "http", "both"], default="both")
    args = parser.parse_args()
    for transport in (["stdio", "http"] if args.transport == "both" else [args.transport]):
        asyncio.run(run(transport, args.posts))


if __name__ == "__main__":
    main()
