"""Start a hub as a separate process for a benchmark, pinned to one core where there are two,
with a fresh database; register an organization and an agent to drive it."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# Every socket of a WebSocket load run shares one agent key: the per-identity message budget
# (spec 6.3) would refuse their subscribes, so those runs lift it.
WS_LOAD_ENV = {"AGENTHQ_WS_IDENTITY_RATE": "0"}


def cores():
    return os.cpu_count() or 1


def pinned(command, core):
    """Prefix with taskset so hub and load generator do not fight over one core."""
    if cores() >= 2 and core is not None and _has("taskset"):
        return ["taskset", "-c", str(core), *command]
    return command


def _has(program):
    return any((Path(p) / program).exists() for p in os.environ.get("PATH", "").split(os.pathsep))


def proc_cpu_seconds(pid):
    """User + system CPU seconds of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Hub:
    def __init__(self, core=0, extra_args=(), env=None, root=ROOT):
        self.dir = tempfile.TemporaryDirectory(prefix="agenthq-bench-")
        self.db = str(Path(self.dir.name) / "bench.db")
        command = pinned([sys.executable, str(Path(root) / "run.py"), "--port", "0", "--db", self.db,
                          "--log-level", "WARNING", *extra_args], core)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            # One client driving the hub flat out would meet the per-identity REST limit: a
            # burst no benchmark reaches keeps the limiter's cost in the figures, not its 429s.
            # Load generators open hundreds of sockets at once from one address: the cap on
            # unauthenticated connections per address (bench/attack.py keeps it) is lifted.
            cwd=root, env={**os.environ, "AGENTHQ_REST_BURST": "100000000", "AGENTHQ_MAX_UNAUTHENTICATED": "0",
                 **(env or {})},
        )
        line = self.process.stdout.readline()
        match = re.search(r"http://([\d.]+):(\d+)", line)
        if not match:
            raise RuntimeError(f"hub did not start: {line}{self.process.stdout.read()}")
        self.port = int(match.group(2))
        self.url = f"http://127.0.0.1:{self.port}"

    def call(self, method, path, body=None, token=None):
        request = urllib.request.Request(self.url + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())["data"]

    def setup_org(self, slug="bench"):
        """An org, its owner token, an agent key and the id of #general."""
        data = self.call("POST", "/api/v1/auth/register", {
            "orgName": "Bench", "orgSlug": slug, "email": f"owner@{slug}.test", "password": "bench-password",
            "name": "Bench"})
        token = data["accessToken"]
        key = self.call("POST", "/api/v1/auth/agents/register", {"name": "bench-agent"}, token)["apiKey"]
        channels = self.call("GET", "/api/v1/channels", token=token)
        general = next(c["id"] for c in channels if c["name"] == "general")
        return token, key, general

    def rss_kb(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1))

    def cpu_seconds(self):
        return proc_cpu_seconds(self.process.pid)

    def wait_quiet(self, window=0.5, busy=0.02, limit=120):
        """Wait until the hub spends under `busy` of a `window` on CPU (e.g. after 1,000 agents
        connected, their agent.online events to every socket may still be going out), so that
        a timed part measures itself only. Returns the seconds waited."""
        started = time.perf_counter()
        while time.perf_counter() - started < limit:
            before = self.cpu_seconds()
            time.sleep(window)
            if self.cpu_seconds() - before < busy * window:
                break
        return time.perf_counter() - started

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
