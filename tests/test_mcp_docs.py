"""The MCP configuration blocks of README.md and docs/mcp.md are exactly what
agenthq/mcp/snippets.py makes, and each one works: launched as written (placeholders filled
in), it gives a client the hub's tools."""

import asyncio
import contextlib
import json
import re
import shlex
import subprocess
import sys

import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from agenthq.client import SyncClient
from agenthq.mcp import snippets
from tests.support import ROOT, HubProcess
from tests.support.mcp import McpHttpProcess, call, clean_env, stdio_params

BLOCK = re.compile(r"<!-- mcp:([a-z-]+) -->\n```\w*\n(.*?)```", re.S)
HUB, KEY, INVITE, PROFILE = "<hub url>", "<key>", "<invite url>", "<profile name>"

EXPECTED = {
    "claude-stdio": snippets.claude_code_stdio(HUB, KEY),
    "claude-profile": f"agenthq connect {INVITE} --name {PROFILE}\n" + snippets.claude_code_profile(PROFILE),
    "json-stdio": snippets.stdio_config(HUB, KEY),
    "http-server": f"agenthq mcp --http --url {HUB}",
    "claude-http": snippets.claude_code_http(KEY),
    "json-http": snippets.http_config(KEY),
}


def blocks(name):
    found = {key: text.strip() for key, text in BLOCK.findall((ROOT / name).read_text())}
    return found


@pytest.mark.parametrize("name", ["README.md", "docs/mcp.md"])
def test_the_docs_blocks_are_the_snippets(name):
    assert blocks(name) == EXPECTED


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mcp-docs")
    with HubProcess(folder / "hub.db", log=folder / "hub.log") as running:
        running.owner = SyncClient(running.url)
        running.owner.register("Docs Org", "docs-org", "owner@docs.test", "correct-horse", "Olive Owner")
        running.folder = folder
        yield running
        running.owner.close()


def fill(text, **values):
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def claude_stdio(line):
    """(command, args, env) of a `claude mcp add NAME [--env K=V]... -- COMMAND ARGS...` line."""
    words = shlex.split(line)
    assert words[:4] == ["claude", "mcp", "add", "agenthq"], words
    split = words.index("--")
    options, command = words[4:split], words[split + 1:]
    env = dict(options[i + 1].split("=", 1) for i in range(0, len(options), 2) if options[i] == "--env")
    assert len(env) * 2 == len(options), options
    return command[0], command[1:], env


def claude_http(line):
    """(url, headers) of a `claude mcp add --transport http NAME URL --header "K: V"` line."""
    words = shlex.split(line)
    assert words[:6] == ["claude", "mcp", "add", "--transport", "http", "agenthq"], words
    assert words[7] == "--header"
    name, _, value = words[8].partition(":")
    return words[6], {name.strip(): value.strip()}


async def post_through(client, text):
    tools = {t.name for t in (await client.list_tools()).tools}
    assert {"hub_wait", "hub_post", "hub_inbox", "hub_task_claim"} <= tools
    return await call(client, "hub_post", channel_id="general", content=text)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 120))


def test_the_stdio_blocks_launch_a_working_server(hub):
    made = hub.owner.register_agent("docs-stdio")
    key, agent = made["apiKey"], made["agent"]
    values = {HUB: hub.url, KEY: key}
    command, args, env = claude_stdio(fill(EXPECTED["claude-stdio"], **values))
    server = json.loads(fill(EXPECTED["json-stdio"], **values))["mcpServers"]["agenthq"]
    none = str(hub.folder / "no-config.json")

    async def main():
        for cmd, argv, environ in ((command, args, env), (server["command"], server["args"], server["env"])):
            launch = stdio_params(cmd, argv, clean_env(AGENTHQ_CONFIG=none, **environ))
            async with Client(launch) as client:
                post = await post_through(client, f"hello from {cmd} {' '.join(argv)}")
                assert post["author_id"] == agent["id"]

    run(main())


def test_connect_then_the_profile_line_works(hub, tmp_path):
    config = tmp_path / "config.json"
    url = hub.owner.create_agent_invite()["url"]
    connect, line = fill(EXPECTED["claude-profile"], **{INVITE: url, PROFILE: "docs-profile"}).splitlines()
    words = shlex.split(connect)
    assert words[:2] == ["agenthq", "connect"]
    done = subprocess.run([sys.executable, "-m", "agenthq", *words[1:]], capture_output=True, text=True,
                          env=clean_env(AGENTHQ_CONFIG=str(config)), timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    command, args, env = claude_stdio(line)
    assert env == {} and args == ["mcp", "--agent", "docs-profile"]

    async def main():
        async with Client(stdio_params(command, args, clean_env(AGENTHQ_CONFIG=str(config)))) as client:
            return await post_through(client, "hello from a profile")

    post = run(main())
    profile = json.loads(config.read_text())["agents"]["docs-profile"]
    assert post["author_id"] == profile["id"] and post["author"] == "docs-profile"


def test_the_http_blocks_reach_a_working_server(hub):
    key = hub.owner.register_agent("docs-http")["apiKey"]
    words = shlex.split(fill(EXPECTED["http-server"], **{HUB: hub.url}))
    assert words[:4] == ["agenthq", "mcp", "--http", "--url"] and words[4] == hub.url
    server = McpHttpProcess(hub.url, hub.folder / "mcp-http.log").start()  # the same, on a free port
    try:
        line = fill(EXPECTED["claude-http"], **{KEY: key}).replace(snippets.HTTP_URL, server.url)
        block = json.loads(fill(EXPECTED["json-http"], **{KEY: key}).replace(snippets.HTTP_URL, server.url))
        targets = [claude_http(line), (block["mcpServers"]["agenthq"]["url"], block["mcpServers"]["agenthq"]["headers"])]

        async def main():
            for url, headers in targets:
                async with contextlib.AsyncExitStack() as stack:
                    http = await stack.enter_async_context(create_mcp_http_client(headers=headers))
                    client = await stack.enter_async_context(Client(streamable_http_client(url, http_client=http)))
                    await post_through(client, "hello over HTTP")

        run(main())
    finally:
        server.stop()
