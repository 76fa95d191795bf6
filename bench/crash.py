"""Crash durability: clients post concurrently, the hub is killed with SIGKILL mid-stream and
restarted on the same database, and every post that was answered 201 must be there, exactly
once, with exactly one post.created event in the log, and delivered once to a subscriber that
resumes with `since`. Repeated for --rounds rounds on the same database.

Usage: python bench/crash.py [--rounds 20] [--clients 8] [--seed 1]"""

import argparse
import asyncio
import http.client
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wsclient import Socket  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


class HubRun:
    """`python run.py` on a given database; killed with SIGKILL, never asked to stop."""

    def __init__(self, db):
        env = {**os.environ, "AGENTHQ_REST_RATE": "0", "AGENTHQ_LOG_LEVEL": "WARNING"}
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "--port", "0", "--db", str(db)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
        line = self.process.stdout.readline()
        match = re.search(r"http://[\d.]+:(\d+)", line)
        if not match:
            self.process.kill()
            raise RuntimeError(f"hub did not start: {line!r}")
        self.port = int(match.group(1))

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def call(self, method, path, body=None, token=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        payload = json.loads(response.read())
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {payload}")
        return payload["data"]


class Poster(threading.Thread):
    """Posts until the hub dies. acked: (id, content) of every 201; in_flight: the content of
    the request the hub died on (it may or may not have committed)."""

    def __init__(self, port, key, channel, label):
        super().__init__(daemon=True)
        self.port, self.key, self.channel, self.label = port, key, channel, label
        self.acked, self.in_flight, self.unexpected = [], [], []

    def run(self):
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"}
        n = 0
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            while True:
                n += 1
                content = f"{self.label}-{n}"
                self.in_flight = [content]
                connection.request("POST", "/api/v1/posts",
                                   json.dumps({"channel_id": self.channel, "content": content}), headers)
                response = connection.getresponse()
                payload = json.loads(response.read())
                if response.status != 201:
                    self.unexpected.append((response.status, payload))
                    return
                self.acked.append((payload["data"]["id"], content))
                self.in_flight = []
        except (OSError, http.client.HTTPException, ValueError):
            return  # the hub was killed: what was in flight is unknown, nothing else is


async def _newest_seq(port, token):
    socket = await Socket.connect(port, token)
    try:
        return (await socket.expect("connected"))["data"]["seq"]
    finally:
        socket.close()


async def _resume(hub, token, channel, since, marker_timeout=30):
    """Subscribe with `since`, then post a marker: the replay comes before the marker, so every
    post.created up to it has arrived once the marker has. Returns the replayed post ids."""
    socket = await Socket.connect(hub.port, token)
    try:
        await socket.expect("connected")
        socket.send({"type": "subscribe", "channel": channel, "since": since})
        await socket.expect("subscribed")
        marker = await asyncio.get_running_loop().run_in_executor(
            None, lambda: hub.call("POST", "/api/v1/posts", {"channel_id": channel, "content": "marker"}, token))
        seen = []
        while True:
            frame = json.loads(await asyncio.wait_for(socket.recv(), marker_timeout))
            if frame.get("type") == "post.created":
                if frame["data"]["id"] == marker["id"]:
                    return seen, marker["id"]
                seen.append(frame["data"]["id"])
    finally:
        socket.close()


def _check_database(db, acked, in_flight):
    """Each acknowledged post: one row, the right content, one post.created event. Each
    in-flight attempt: at most one row."""
    problems = []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = {}
        for post_id, content in conn.execute("SELECT id, content FROM post"):
            rows.setdefault(content, []).append(post_id)
        events = {}
        for (post_id,) in conn.execute(
                "SELECT json_extract(data, '$.id') FROM event WHERE type = 'post.created'"):
            events[post_id] = events.get(post_id, 0) + 1
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    for post_id, content in acked:
        if rows.get(content) != [post_id]:
            problems.append(f"acknowledged {post_id} ({content}) stored as {rows.get(content)}")
        if events.get(post_id) != 1:
            problems.append(f"acknowledged {post_id} has {events.get(post_id, 0)} post.created events")
    for content in in_flight:
        if len(rows.get(content, [])) > 1:
            problems.append(f"in-flight {content} stored {len(rows[content])} times")
    committed_in_flight = sum(1 for content in in_flight if rows.get(content))
    return problems, committed_in_flight


def run_rounds(rounds=20, clients=8, seed=1, db=None, kill_after=(0.3, 1.2), report=print):
    """Run the crash rounds; return (rounds, acknowledged posts verified, problems)."""
    rng = random.Random(seed)
    workdir = None
    if db is None:
        workdir = tempfile.TemporaryDirectory(prefix="agenthq-crash-")
        db = Path(workdir.name) / "crash.db"
    hub = HubRun(db)
    try:
        data = hub.call("POST", "/api/v1/auth/register", {
            "orgName": "Crash", "orgSlug": "crash", "email": "owner@crash.test", "password": "crash-password",
            "name": "Owner"})
        token = data["accessToken"]
        keys = [hub.call("POST", "/api/v1/auth/agents/register", {"name": f"poster-{i}"}, token)["apiKey"]
                for i in range(clients)]
        channel = next(c["id"] for c in hub.call("GET", "/api/v1/channels", token=token) if c["name"] == "general")
        verified, problems, all_acked = 0, [], []
        for number in range(1, rounds + 1):
            since = asyncio.run(_newest_seq(hub.port, token))
            posters = [Poster(hub.port, key, channel, f"r{number}c{i}") for i, key in enumerate(keys)]
            for poster in posters:
                poster.start()
            time.sleep(rng.uniform(*kill_after))
            hub.kill()
            for poster in posters:
                poster.join(30)
            acked = [pair for poster in posters for pair in poster.acked]
            in_flight = [content for poster in posters for content in poster.in_flight]
            problems += [f"round {number}: unexpected answer {u}" for poster in posters for u in poster.unexpected]

            hub = HubRun(db)  # restart on the same database
            round_problems, committed = _check_database(db, all_acked + acked, in_flight)
            replayed, _ = asyncio.run(_resume(hub, token, channel, since))
            counts = {}
            for post_id in replayed:
                counts[post_id] = counts.get(post_id, 0) + 1
            for post_id, content in acked:
                if counts.get(post_id) != 1:
                    round_problems.append(f"{post_id} ({content}) delivered {counts.get(post_id, 0)} times on resume")
            problems += [f"round {number}: {p}" for p in round_problems]
            all_acked += acked
            verified += len(acked)
            report(f"round {number}: {len(acked)} acknowledged posts verified, {len(in_flight)} in flight at the "
                   f"kill ({committed} of them committed), {len(replayed)} replayed on resume"
                   + (f", {len(round_problems)} PROBLEMS" if round_problems else ""))
        return rounds, verified, problems
    finally:
        if hub.process.poll() is None:
            hub.kill()
        if workdir:
            workdir.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    rounds, verified, problems = run_rounds(args.rounds, args.clients, args.seed)
    for problem in problems[:50]:
        print("PROBLEM", problem)
    print(f"rounds: {rounds}  acknowledged posts verified: {verified}  problems: {len(problems)}  "
          f"({time.monotonic() - started:.1f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
