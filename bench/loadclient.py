"""Drives bench/wsload.c, the C WebSocket load client (one epoll loop): compiles it once per
process into a temporary directory (never into the tree), runs it pinned to the load core and
talks to it over stdin/stdout. Its modes are described at the top of wsload.c."""

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from hubproc import pinned, proc_cpu_seconds

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "wsload.c"
_built = {}


def binary():
    """The compiled client (gcc -O2), built on first use and removed at exit."""
    if "path" not in _built:
        if not shutil.which("gcc"):
            raise RuntimeError("gcc is needed to build the load client bench/wsload.c")
        folder = tempfile.mkdtemp(prefix="agenthq-wsload-")
        atexit.register(shutil.rmtree, folder, True)
        path = os.path.join(folder, "wsload")
        subprocess.run(["gcc", "-O2", "-o", path, str(SOURCE)], check=True)
        _built["path"] = path
        _built["folder"] = folder
    return _built["path"]


class LoadClient:
    """One run of wsload: `mode` is fanout, latency, storm or idle; `tokens` one or more
    tokens, used round robin by the sockets."""

    def __init__(self, mode, port, channel, tokens, count, posts=0, concurrency=4, core=1):
        binary()
        fd, self.token_file = tempfile.mkstemp(prefix="tokens-", dir=_built["folder"])
        with os.fdopen(fd, "w") as handle:
            handle.write("\n".join(tokens) + "\n")
        command = [binary(), mode, str(port), channel, self.token_file, str(count), str(posts), str(concurrency)]
        self.process = subprocess.Popen(pinned(command, core), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)

    def line(self):
        text = self.process.stdout.readline()
        if not text:
            self.process.wait(10)
            raise RuntimeError(f"load client ended: {self.process.stderr.read()[-2000:]}")
        return text.strip()

    def result(self):
        return json.loads(self.line())

    def wait_ready(self):
        line = self.line()
        if line != "ready":
            raise RuntimeError(f"load client said {line!r}")

    def say(self, word):
        """A line to the client; one that has finished already (all frames in) is not listening."""
        try:
            self.process.stdin.write(word + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass

    def cpu_seconds(self):
        return proc_cpu_seconds(self.process.pid)

    def close(self):
        try:
            self.process.stdin.close()
        except (OSError, ValueError):
            pass
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.unlink(self.token_file)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
