"""A hub in its own process (`python run.py`), for tests that restart it or drive it from
other processes: started on a free port (or a given one), stopped with SIGTERM like a
service manager would, its output kept in a file for the failure report."""

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout: run.py is there
SERVING = re.compile(r"AgentHQ serving on http://[^:]+:(\d+)")


class HubProcess:
    def __init__(self, db, port=0, args=(), env=None, log=None):
        self.db, self.args, self.env = str(db), list(args), env or {}
        self.port = port
        self.log_path = Path(log or f"{db}.{time.monotonic_ns()}.log")
        self.process = None
        self.lines = []  # stdout lines read so far

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=20):
        env = {**os.environ, "AGENTHQ_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1", **self.env}
        command = [sys.executable, str(ROOT / "run.py"), "--port", str(self.port), "--db", self.db, *self.args]
        self._stderr = open(self.log_path, "a")
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env,
                                        cwd=ROOT)
        # A thread reads stdout, so waiting for a line can time out instead of hanging.
        self._lines = queue.Queue()
        threading.Thread(target=self._pump, args=(self.process.stdout, self._lines), daemon=True).start()
        line = self.readline_until(SERVING.search, timeout)
        self.port = int(SERVING.search(line).group(1))
        return self

    def readline_until(self, matches, timeout=20):
        """Read stdout lines until one satisfies `matches`; return it. A hub that exits first
        fails the test with its log."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"hub printed no matching line: {self.lines}") from None
            if line is None:
                raise AssertionError(f"hub exited ({self.process.wait()}): {self.log_path.read_text()[-2000:]}")
            self.lines.append(line)
            if matches(line):
                return line

    @staticmethod
    def _pump(stream, lines):
        for line in stream:
            lines.put(line)
        lines.put(None)

    def stop(self, timeout=15):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self._stderr.close()
        return self.process.returncode if self.process else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
