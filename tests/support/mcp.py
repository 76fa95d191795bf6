"""MCP clients for the tests, made with the `mcp` package's own client: `agenthq mcp` spawned
over stdio, or a running `agenthq mcp --http` process reached over streamable HTTP."""

import contextlib
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time

from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.support.processes import ROOT

SERVING = re.compile(r"AgentHQ MCP serving on (http://\S+/mcp)")


class ToolFailed(AssertionError):
    """A tool answered with is_error: `text` is what the model would read."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTHQ_")}
    env.update(PYTHONUNBUFFERED="1", **{k: v for k, v in extra.items() if v is not None})
    return env


def stdio_params(command, args, env):
    """Launch parameters; `command` may be `agenthq` (the console script, as the docs say):
    run through this interpreter's module so the test uses this checkout."""
    if command == "agenthq":
        command, args = sys.executable, ["-m", "agenthq", *args]
    return StdioServerParameters(command=command, args=list(args), env=env, cwd=str(ROOT))


@contextlib.asynccontextmanager
async def stdio_client(hub_url=None, token=None, args=(), env=None, config=None):
    environ = clean_env(AGENTHQ_URL=hub_url, AGENTHQ_TOKEN=token,
                        AGENTHQ_CONFIG=str(config) if config else None, **(env or {}))
    async with Client(stdio_params("agenthq", ["mcp", *args], environ)) as client:
        yield client


@contextlib.asynccontextmanager
async def http_client(mcp_url, token, mode="auto"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with create_mcp_http_client(headers=headers) as http:
        async with Client(streamable_http_client(mcp_url, http_client=http), mode=mode) as client:
            yield client


async def call(client, tool, **arguments):
    """The tool's JSON answer, parsed; a tool error raises ToolFailed with its text."""
    result = await client.call_tool(tool, arguments)
    text = "".join(getattr(block, "text", "") for block in result.content)
    if result.is_error:
        raise ToolFailed(text)
    return json.loads(text)


async def failure(client, tool, **arguments):
    """The text of a tool error (the call must fail)."""
    try:
        answer = await call(client, tool, **arguments)
    except ToolFailed as error:
        return error.text
    raise AssertionError(f"{tool} succeeded: {answer}")


class McpHttpProcess:
    """`agenthq mcp --http --port 0` for a hub; the announced URL tells the port it got."""

    def __init__(self, hub_url, log_path, config=None, args=()):
        self.hub_url, self.log_path, self.config, self.args = hub_url, log_path, config, list(args)
        self.url = None

    def start(self, timeout=30):
        self._log = open(self.log_path, "a")
        env = clean_env(AGENTHQ_CONFIG=str(self.config) if self.config else None)
        self.process = subprocess.Popen([sys.executable, "-m", "agenthq", "mcp", "--http", "--port", "0",
                                         "--url", self.hub_url, *self.args], stdout=subprocess.PIPE, stderr=self._log,
                                        text=True, env=env, cwd=ROOT)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(l) for l in self.process.stdout] + [lines.put(None)],
                         daemon=True).start()
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"mcp --http did not start: {self.log_path.read_text()[-2000:]}") from None
            if line is None:
                raise AssertionError(f"mcp --http exited: {self.log_path.read_text()[-2000:]}")
            found = SERVING.search(line)
            if found:
                self.url = found.group(1)
                return self

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()
        return self.process.returncode
