"""Scale-out fan-out throughput: deliveries per second from one channel to N subscribers with
1 and with 2 hub processes on one PostgreSQL database and one Redis (both started here, in
temp folders). With 2, half the subscribers are on each process and posts go through both,
so every event crosses Redis to reach the other half. Nothing is pinned: the hubs, Redis,
PostgreSQL and the load generator share this machine's cores, and the figures say what
that machine does, not what a cluster would.

Usage: python bench/scaleout.py --subscribers 1000 --runs 3"""

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from hubproc import Hub, cores  # noqa: E402
from wsclient import FrameReader, Socket  # noqa: E402

from tests.support import Postgres, Redis  # noqa: E402

CONTENT = "x" * 200  # a typical short agent update


async def subscribe_all(port, token, channel, count):
    sockets = []
    for start in range(0, count, 250):
        sockets.extend(await asyncio.gather(*(Socket.connect(port, token) for _ in range(start, min(count, start + 250)))))
    for socket in sockets:
        socket.send({"type": "subscribe", "channel": channel})
    for socket in sockets:
        await socket.expect("subscribed")
    return sockets


async def post_loop(port, token, channel, posts, concurrency):
    body = json.dumps({"channel_id": channel, "content": CONTENT}).encode()
    request = (f"POST /api/v1/posts HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    remaining = [posts]

    async def poster():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while remaining[0] > 0:
            remaining[0] -= 1
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
            await reader.readexactly(length)
            assert head.startswith(b"HTTP/1.1 201"), head[:40]
        writer.close()

    await asyncio.gather(*(poster() for _ in range(concurrency)))



async def generator(ports, token, channel, count, posts, concurrency):
    """Subscribers spread over the ports, posts sent through all of them; prints a result."""
    share = count // len(ports)
    groups = await asyncio.gather(*(subscribe_all(port, token, channel, share) for port in ports))
    sockets = [socket for group in groups for socket in group]
    expected = len(sockets) * posts
    received, done, last = [0], asyncio.get_running_loop().create_future(), [0.0]

    def on_frame(buffer, start, end):
        received[0] += 1
        if received[0] == expected:
            last[0] = time.perf_counter()
            done.set_result(None)

    for socket in sockets:
        FrameReader.attach(socket, on_frame)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    per_port = posts // len(ports)
    await asyncio.gather(*(post_loop(port, token, channel, per_port + (posts % len(ports) if i == 0 else 0),
                                     max(1, concurrency // len(ports)))
                           for i, port in enumerate(ports)))
    await asyncio.wait_for(done, 300)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(json.dumps({"deliveries": expected, "seconds": last[0] - start, "generator_cpu": cpu}), flush=True)


def one_round(pg, redis, processes, count, posts, concurrency):
    name, url = pg.fresh_database()
    hubs = [Hub(core=None, extra_args=["--db", url, "--redis", redis.url]) for _ in range(processes)]
    try:
        token, key, general = hubs[0].setup_org(f"bench{time.monotonic_ns()}")
        child = subprocess.run(
            [sys.executable, __file__, "--child", ",".join(str(h.port) for h in hubs), key, general, str(count),
             str(posts), str(concurrency)], capture_output=True, text=True, timeout=900,
        )
        if child.returncode != 0:
            raise RuntimeError(child.stderr)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        result["rate"] = result["deliveries"] / result["seconds"]
        return result
    finally:
        for hub in hubs:
            hub.stop()
        pg.drop_database(name)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        ports, token, channel, count, posts, concurrency = sys.argv[2:8]
        asyncio.run(generator([int(p) for p in ports.split(",")], token, channel, int(count), int(posts),
                              int(concurrency)))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000])
    parser.add_argument("--deliveries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pg, redis = Postgres().start(), Redis().start()
    try:
        print(f"cores: {cores()}  runs: {args.runs}  PostgreSQL + Redis  (median [min-max] deliveries/s)")
        for count in args.subscribers:
            posts = max(10, args.deliveries // count)
            line = []
            for processes in (1, 2):
                results = [one_round(pg, redis, processes, count, posts, 4) for _ in range(args.runs)]
                rates = [r["rate"] for r in results]
                share = statistics.median(r["generator_cpu"] / r["seconds"] for r in results)
                line.append(f"{processes} process{'es' if processes > 1 else ''} "
                            f"{statistics.median(rates):9,.0f} [{min(rates):,.0f}-{max(rates):,.0f}] gen-cpu {share:.0%}")
            print(f"{count:5} subscribers, {posts} posts: " + "  |  ".join(line), flush=True)
    finally:
        redis.stop()
        pg.stop()


if __name__ == "__main__":
    main()
