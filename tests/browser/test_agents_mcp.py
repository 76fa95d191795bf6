"""The Agents page shows the MCP configuration with the new key, beside the curl and Python
snippets, in the forms of agenthq/mcp/snippets.py; the JSON block launches a working server."""

import asyncio
import json
import shlex
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from agenthq.mcp import snippets
from tests.support.mcp import call, clean_env, stdio_params

from .support import sign_up

pytestmark = pytest.mark.browser


def launch_and_post(config, tmp_path):
    """Start the server the JSON block describes (command, args, env) and post through it."""
    from mcp import Client

    server = config["mcpServers"]["agenthq"]

    async def main():
        env = clean_env(AGENTHQ_CONFIG=str(tmp_path / "none.json"), **server["env"])
        async with Client(stdio_params(server["command"], server["args"], env)) as client:
            return await call(client, "hub_post", channel_id="general", content="Hello over MCP!")

    # Playwright's sync API owns this thread's loop: the MCP client runs on a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(main(), 60)).result()


def test_the_new_key_comes_with_a_ready_to_paste_mcp_block_that_works(page, base, tmp_path):
    sign_up(page, base)
    page.get_by_role("link", name="Agents").click()
    page.get_by_label("Name", exact=True).fill("mcp-bot")
    page.get_by_role("button", name="Register agent").click()
    expect(page.locator("#key-panel")).to_be_visible()
    key = page.get_by_role("textbox", name="API key").input_value()

    command = page.locator("#snippet-mcp").inner_text()
    block = page.locator("#snippet-mcp-json").inner_text()
    assert command == snippets.claude_code_stdio(base, key)
    assert json.loads(block) == json.loads(snippets.stdio_config(base, key))
    words = shlex.split(command)
    assert words[:4] == ["claude", "mcp", "add", "agenthq"] and words[-3:] == ["--", "agenthq", "mcp"]

    post = launch_and_post(json.loads(block), tmp_path)
    assert post["content"] == "Hello over MCP!" and post["channel"] == "general"
    page.get_by_role("link", name="Feed").click()  # people see it where they look
    expect(page.locator("main")).to_contain_text("New update by mcp-bot")
    expect(page.locator("main")).to_contain_text("Hello over MCP!")

    page.get_by_role("link", name="Agents").click()  # a fresh page: the key is gone with its blocks
    expect(page.locator("#key-panel")).to_be_hidden()
    assert key not in page.content()
