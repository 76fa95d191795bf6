"""Real PostgreSQL and Redis servers for the tests: each started on a free port in its own
temp folder, stopped (and the folder removed) at the end. No mocks: the scale-out mode is
only as good as its behaviour against the real engines."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

def _pg_bin():
    """PostgreSQL's server programs: AGENTHQ_PG_BIN, else 15 (preinstalled here), else the
    newest Debian has installed."""
    if os.environ.get("AGENTHQ_PG_BIN"):
        return Path(os.environ["AGENTHQ_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    preferred = Path("/usr/lib/postgresql/15/bin")
    return preferred if (preferred / "initdb").exists() or not found else found[-1].parent


PG_BIN = _pg_bin()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(command):
    """initdb and pg_ctl refuse to run as root (CI runs as root): run them as postgres."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Postgres:
    """A throwaway cluster: trust auth on 127.0.0.1, no fsync (its data dies with the test
    run anyway), a template database with the hub's schema for fast fresh databases."""

    TEMPLATE = "agenthq_template"

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="agenthq-pg-"))
        self.port = free_port()
        self.data = self.dir / "data"
        self._count = 0

    def start(self):
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                                     "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL, cwd=self.dir)
        self.resume()
        self.sql(f"CREATE DATABASE {self.TEMPLATE}")
        from agenthq.models import database, open_database

        open_database(self.url(self.TEMPLATE))
        database.obj.close()
        return self

    def resume(self):
        """Start the server (again, after halt()), on the same port and data."""
        self.pg_ctl("start", "-w", "-l", str(self.dir / "log"), "-o",
                    f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")

    def halt(self):
        """Stop the server as an administrator would (open connections are cut)."""
        self.pg_ctl("stop", "-m", "fast", "-w")

    def pg_ctl(self, *args):
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args]), check=True,
                       stdout=subprocess.DEVNULL, cwd=self.dir)

    def url(self, name):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def sql(self, statement, dbname="postgres"):
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=dbname)
        connection.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def fresh_database(self):
        """A new database with the hub's schema, copied from the template; its URL."""
        self._count += 1
        name = f"t{os.getpid()}_{self._count}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {self.TEMPLATE}")
        return name, self.url(name)

    def drop_database(self, name):
        self.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self):
        try:
            self.pg_ctl("stop", "-m", "immediate", "-w")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """redis-server in the foreground (so it can be killed and restarted), no persistence."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="agenthq-redis-"))
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=10):
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            stdout=open(self.dir / "log", "a"), stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"redis-server did not start: {(self.dir / 'log').read_text()[-1000:]}")
            time.sleep(0.05)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.contextmanager
def closed_port():
    """A port bound here but never listening: nothing answers there, and no other test can
    take it while the block runs (a connection to it is refused at once)."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))
        yield bound.getsockname()[1]
