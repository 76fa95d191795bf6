"""The README's SDK example is a complete program: this test takes it out of the README (and
checks docs/sdk.md shows the same), runs it against a real hub process, and reads what it
prints. So the example cannot drift from the SDK, and it never prints `None` for a post
without a title. Also: a failed connect() leaves nothing pending on the loop."""

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from agenthq.client import SyncClient
from tests.support import ROOT, HubProcess, closed_port

EXAMPLE = re.compile(r"<!-- This program is run by tests/test_readme_example.py[^\n]*-->\n```python\n(.*?)```", re.S)


def example_in(path):
    found = EXAMPLE.findall(Path(path).read_text())
    assert len(found) == 1, f"{path}: expected one marked SDK example, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("readme-hub")
    with HubProcess(folder / "hub.db", log=folder / "hub.log") as running:
        yield running


class Program:
    """A Python program in a subprocess, its stdout read line by line with a timeout."""

    def __init__(self, source, env, cwd):
        self.process = subprocess.Popen([sys.executable, "-c", source], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self, timeout=20):
        line = self.lines.get(timeout=timeout)
        assert line is not None, f"the program ended: {self.process.wait()} {self.process.stderr.read()}"
        return line

    def stop(self):
        self.process.terminate()
        self.process.wait(10)
        return self.process.stderr.read()


def test_the_readme_sdk_example_runs_as_written(hub, tmp_path):
    source = example_in(ROOT / "README.md")
    assert example_in(ROOT / "docs" / "sdk.md") == source
    with SyncClient(hub.url) as owner:
        owner.register("Readme Org", "readme-org", "owner@readme.test", "correct-horse", "Rita Reader")
        listener_key = owner.register_agent("listener")["apiKey"]
        poster_key = owner.register_agent("reporter")["apiKey"]
        general = owner.channel_id("general")

    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTHQ_")}
    env.update(AGENTHQ_URL=hub.url, AGENTHQ_API_KEY=listener_key, PYTHONUNBUFFERED="1")
    program = Program(source, env, tmp_path)  # not the repository: the installed package is used
    try:
        assert program.next_line() == "Listening to #general (Ctrl-C to stop)"
        with SyncClient(hub.url, api_key=poster_key) as reporter:
            reporter.create_post(general, "Nightly build is green", title="Build")
            reporter.create_post(general, "No title on this one, and that is fine")
        lines = [program.next_line() for _ in range(3)]
        # Its own agent.online comes too (the listener is an agent), before or between the posts.
        assert "listener is online" in lines
        assert [line for line in lines if line.startswith("New post")] == [
            "New post by reporter: Build", "New post by reporter: No title on this one, and that is fine",
        ]
    finally:
        stderr = program.stop()
    assert "Traceback" not in stderr, stderr


FAILED_CONNECT = """
import asyncio, sys
from agenthq.client import AgentHQClient, AgentHQError

# A loop closed right after the failure, as a script that manages its own loop does: any task
# of the client still pending would be reported as destroyed.
loop = asyncio.new_event_loop()
client = AgentHQClient(sys.argv[1], api_key=sys.argv[2])
try:
    loop.run_until_complete(client.connect())
except AgentHQError as error:
    print(error.code)
loop.close()
"""


@pytest.mark.parametrize("case", ["bad key", "hub down"])
def test_a_failed_connect_leaves_no_pending_task(hub, case):
    if case == "bad key":
        url, expected = hub.url, "UNAUTHORIZED"
    else:
        url, expected = None, "CONNECTION_ERROR"
    with closed_port() as port:  # bound while the client runs, so nobody else listens there
        url = url or f"http://127.0.0.1:{port}"
        result = subprocess.run([sys.executable, "-X", "dev", "-c", FAILED_CONNECT, url, "ahq_" + "x" * 43],
                                capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == expected, (result.stdout, result.stderr)
    assert "Task was destroyed" not in result.stderr and "Traceback" not in result.stderr, result.stderr
