"""Search over a large organization (§15): GET /search latency for plain words and for
operator queries, and the hub's event-loop lag meanwhile (searches run on their own thread,
so a /ws heartbeat should come back as fast as when nothing is searched).

    python bench/search.py [--posts 100000] [--queries 200] [--root OTHER_CHECKOUT]

The posts are written once into the hub's database by the hub's own post service in large
transactions (REST would take minutes), as three agents in four channels, words drawn from a
skewed vocabulary so that common words match thousands of posts and rare ones a few. Then the
hub runs as its own process pinned to core 0; one client (core 1) sends the queries one after
another while a /ws client sends a heartbeat every 50 ms and times each heartbeat_ack.
--reuse DB measures a database seeded by an earlier run (it keeps the seeded copy at --keep)."""

import argparse
import asyncio
import dataclasses
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import hubproc  # noqa: E402
from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # noqa: E402
from wsclient import Socket  # noqa: E402

AGENTS = ("scout", "builder", "keeper")
CHANNELS = ("general", "alerts", "updates", "ops")
COMMON = ["billing", "deploy", "invoice", "latency", "error", "customer", "release", "database", "report", "queue"]
QUERIES = {
    "one word": "billing",
    "two words": "billing deploy",
    "rare word": "zyx17",
    "two operators + two words": "from:scout in:alerts billing deploy",
    "after + type + word": "after:2026-01-01 type:alert invoice",
    "hostile": 'NEAR( "billing * -deploy ^',
}


def vocabulary():
    rare = [f"zyx{i}" for i in range(3000)]
    filler = [f"word{i}" for i in range(2000)]
    return rare, filler


def seed(db, owner_id, org_id, agent_ids, channel_ids, posts):
    """Write `posts` posts with the hub's own post service, 5,000 per transaction."""
    from agenthq.auth import Identity
    from agenthq.config import Config
    from agenthq.hub import Hub
    from agenthq.services import posts as post_service

    rng = random.Random(7)
    rare, filler = vocabulary()
    hub = Hub(dataclasses.replace(Config(), db=db, port=0))
    identities = [Identity("agent", agent_id, org_id, "member") for agent_id in agent_ids]
    kinds = ("update", "alert", "discovery", "question")

    def block(count):
        def write():
            for _ in range(count):
                words = rng.choices(filler, k=rng.randint(8, 24))
                words += rng.sample(COMMON, rng.randint(0, 2)) + ([rng.choice(rare)] if rng.random() < 0.3 else [])
                rng.shuffle(words)
                post_service.create(rng.choice(identities), {
                    "channel_id": rng.choice(channel_ids), "content": " ".join(words), "type": rng.choice(kinds)})
            return None, []  # nobody listens: no events to publish
        return write

    async def run():
        started = time.perf_counter()
        for done in range(0, posts, 5000):
            await hub.write(block(min(5000, posts - done)))
        return time.perf_counter() - started

    seconds = asyncio.run(run())
    hub.close()
    return seconds


async def call(client, url, path, token, method="GET", body=None):
    request = HTTPRequest(url + path, method=method, headers={"Authorization": f"Bearer {token}",
                                                               "Content-Type": "application/json"},
                          body=json.dumps(body) if body is not None else None, request_timeout=120)
    response = await client.fetch(request, raise_error=False)
    return response.code, json.loads(response.body)


async def lag_probe(port, key, stop):
    """Heartbeat round trips over /ws every 50 ms until `stop` is set: ms each (an answer that
    takes over 10 s is counted as 10 s, and the probe goes on)."""
    socket = await Socket.connect(port, key)
    await socket.expect("connected")
    rtts = []
    while not stop.is_set():
        started = time.perf_counter()
        socket.send({"type": "heartbeat"})
        try:
            await asyncio.wait_for(socket.expect("heartbeat_ack"), 10)
        except asyncio.TimeoutError:
            pass
        rtts.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.05)
    socket.close()
    return rtts


async def measure(hub, token, key, queries):
    client = AsyncHTTPClient(max_clients=4)
    stop = asyncio.Event()
    idle = asyncio.ensure_future(lag_probe(hub.port, key, stop))
    await asyncio.sleep(3)
    stop.set()
    idle_rtts = await idle
    print(f"  /ws heartbeat round trip, no search running: p50 {hubproc.percentile(idle_rtts, .5):.1f} ms, "
          f"p99 {hubproc.percentile(idle_rtts, .99):.1f} ms, max {max(idle_rtts):.1f} ms ({len(idle_rtts)} probes)")
    for label, q in QUERIES.items():
        code, body = await call(client, hub.url, f"/api/v1/search?q={quote(q)}&types=posts", token)
        total = body["pagination"]["counts"]["posts"] if code == 200 else body["error"]["code"]
        stop = asyncio.Event()
        probe = asyncio.ensure_future(lag_probe(hub.port, key, stop))
        latencies, statuses = [], set()
        for _ in range(queries):
            started = time.perf_counter()
            code, _ = await call(client, hub.url, f"/api/v1/search?q={quote(q)}&types=posts", token)
            latencies.append((time.perf_counter() - started) * 1000)
            statuses.add(code)
        stop.set()
        rtts = await probe
        print(f"  {label:27} {q!r:42} p50 {hubproc.percentile(latencies, .5):6.1f} ms  "
              f"p99 {hubproc.percentile(latencies, .99):6.1f} ms  (matches {total}, HTTP {sorted(statuses)})  "
              f"| ws lag p50 {hubproc.percentile(rtts, .5):.1f} p99 {hubproc.percentile(rtts, .99):.1f} "
              f"max {max(rtts):.1f} ms", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reuse", help="a database seeded by an earlier run (skips seeding)")
    parser.add_argument("--keep", help="copy the seeded database here, for --reuse")
    parser.add_argument("--root", default=str(hubproc.ROOT), help="run the hub of another checkout")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()}, shared)")
    if args.reuse:
        db, first = args.reuse, None
    else:
        first = hubproc.Hub(root=args.root)
        token, _, _ = first.setup_org()
        agent_ids = [first.call("POST", "/api/v1/auth/agents/register", {"name": name}, token)["agent"]["id"]
                     for name in AGENTS]
        for name in CHANNELS[1:]:
            if name not in {c["name"] for c in first.call("GET", "/api/v1/channels", token=token)}:
                first.call("POST", "/api/v1/channels", {"name": name}, token)
        channel_ids = [c["id"] for c in first.call("GET", "/api/v1/channels", token=token) if c["name"] in CHANNELS]
        me = first.call("GET", "/api/v1/auth/me", token=token)
        first.process.terminate()
        first.process.wait()
        db = first.db
        seconds = seed(db, me["user"]["id"], me["user"]["org_id"], agent_ids, channel_ids, args.posts)
        print(f"seeded {args.posts} posts in {seconds:.0f} s")
        if args.keep:
            shutil.copyfile(db, args.keep)
    with hubproc.Hub(root=args.root, extra_args=["--db", db]) as hub:
        login = hub.call("POST", "/api/v1/auth/login", {"email": "owner@bench.test", "password": "bench-password"})
        token = login["accessToken"]
        key = hub.call("POST", "/api/v1/auth/agents/register", {"name": f"probe-{os.getpid()}"}, token)["apiKey"]
        if hasattr(os, "sched_setaffinity") and os.cpu_count() >= 2:
            os.sched_setaffinity(0, {1})
        asyncio.run(measure(hub, token, key, args.queries))
    if first:
        first.dir.cleanup()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
