"""Soak: hold many WebSocket connections (default 2,000) on one hub with steady REST traffic
for a while, and report errors, event delivery and the hub's memory (RSS) over time.

Every connection subscribes to its organization's #general, reads everything it is sent
and sends a heartbeat every heartbeat interval, as a well-behaved client does. REST clients
(one agent per organization) post and list at a steady total rate. Afterwards: connections
lost, REST errors, post.created frames delivered against expected, RSS at start and end.

Usage: python bench/soak.py [--duration 300] [--connections 2000] [--orgs 10] [--rest-rate 20]"""

import argparse
import asyncio
import json
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hubproc import Hub, cores  # noqa: E402
from wsclient import Socket  # noqa: E402


class Stats:
    def __init__(self):
        self.opened = self.lost = self.open_failures = 0
        self.rest_ok = self.rest_errors = 0
        self.delivered = self.expected = 0
        self.acks = 0
        self.errors = []

    def error(self, what):
        if len(self.errors) < 20:
            self.errors.append(what)


class HttpClient:
    """A keep-alive HTTP/1.1 client on asyncio streams: enough for JSON with Content-Length."""

    def __init__(self, port, token):
        self.port, self.token, self.reader, self.writer = port, token, None, None

    async def request(self, method, path, body=None):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        data = json.dumps(body).encode() if body is not None else b""
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        return status, json.loads(await self.reader.readexactly(length))


async def hold(port, token, general, stats, heartbeat, stop, opened):
    try:
        socket = await Socket.connect(port, token)
        await socket.expect("connected")
        socket.send({"type": "subscribe", "channel": general})
        await socket.expect("subscribed")
    except Exception as error:  # noqa: BLE001 - counted and reported
        stats.open_failures += 1
        stats.error(f"open: {error!r}")
        opened.release()
        return
    stats.opened += 1
    opened.release()

    async def beat():
        await asyncio.sleep(random.uniform(0, heartbeat))  # staggered, as real clients are
        while not stop.is_set():
            socket.send({"type": "heartbeat"})
            await asyncio.sleep(heartbeat)

    beater = asyncio.ensure_future(beat())
    reader = asyncio.ensure_future(socket.recv())
    stopped = asyncio.ensure_future(stop.wait())
    try:
        while True:
            done, _ = await asyncio.wait({reader, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if stopped in done:
                return
            frame = json.loads(reader.result())
            kind = frame.get("type")
            if kind == "post.created":
                stats.delivered += 1
            elif kind == "heartbeat_ack":
                stats.acks += 1
            elif kind == "error":
                stats.error(f"error frame: {frame}")
            reader = asyncio.ensure_future(socket.recv())
    except Exception as error:  # noqa: BLE001 - a lost connection is what this counts
        if not stop.is_set():
            stats.lost += 1
            stats.error(f"lost: {error!r}")
    finally:
        beater.cancel()
        reader.cancel()
        stopped.cancel()
        socket.close()


async def rest_traffic(client, general, stats, rate, stop, subscribers):
    """Alternate a post and a list at `rate` requests per second, until stop is set."""
    n = 0
    while rate > 0 and not stop.is_set():
        started = time.monotonic()
        n += 1
        try:
            if n % 2:
                status, _ = await client.request("POST", "/api/v1/posts",
                                                 {"channel_id": general, "content": f"soak {n}"})
                if status == 201:
                    stats.expected += subscribers
            else:
                status, _ = await client.request("GET", f"/api/v1/posts?channel_id={general}&limit=20")
            if status in (200, 201):
                stats.rest_ok += 1
            else:
                stats.rest_errors += 1
                stats.error(f"REST {status}")
        except Exception as error:  # noqa: BLE001
            stats.rest_errors += 1
            stats.error(f"REST: {error!r}")
            client.writer = None
        await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))


async def soak(hub, args):
    stats = Stats()
    stop = asyncio.Event()
    orgs = []
    for i in range(args.orgs):
        token, key, general = hub.setup_org(f"soak-{i}")
        orgs.append((token, key, general))
    per_org = args.connections // args.orgs
    opened = asyncio.Semaphore(args.ramp)
    holders = []
    started = time.monotonic()
    for i in range(per_org * args.orgs):
        token, _, general = orgs[i % args.orgs]
        await opened.acquire()
        holders.append(asyncio.ensure_future(hold(hub.port, token, general, stats, args.heartbeat, stop, opened)))
    while stats.opened + stats.open_failures < len(holders):
        await asyncio.sleep(0.05)
    print(f"{stats.opened} connections open in {time.monotonic() - started:.1f} s "
          f"({stats.open_failures} failed); hub RSS {hub.rss_kb() / 1024:.1f} MB, database {_db_mb(hub):.1f} MB",
          flush=True)

    rss_start = hub.rss_kb()
    rest_stop = asyncio.Event()
    rest = [asyncio.ensure_future(rest_traffic(HttpClient(hub.port, key), general, stats,
                                               args.rest_rate / args.orgs, rest_stop, per_org))
            for _, key, general in orgs]
    began = time.monotonic()
    samples = [(0.0, rss_start)]
    while time.monotonic() - began < args.duration:
        await asyncio.sleep(min(args.sample, args.duration - (time.monotonic() - began)))
        samples.append((time.monotonic() - began, hub.rss_kb()))
        print(f"t={samples[-1][0]:6.0f}s  open {stats.opened - stats.lost:5d}  lost {stats.lost}  "
              f"REST ok {stats.rest_ok} err {stats.rest_errors}  events {stats.delivered}/{stats.expected}  "
              f"acks {stats.acks}  RSS {samples[-1][1] / 1024:.1f} MB  database {_db_mb(hub):.1f} MB", flush=True)
    # Let the REST clients finish what they sent, then the last posts arrive.
    rest_stop.set()
    await asyncio.gather(*rest)
    deadline = time.monotonic() + 10
    while stats.delivered < stats.expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    stop.set()
    await asyncio.gather(*holders, return_exceptions=True)
    return stats, samples


def _db_mb(hub):
    """The database and its WAL: SQLite's page cache (16 MB per connection at most) grows with it."""
    return sum(p.stat().st_size for p in Path(hub.db).parent.glob(Path(hub.db).name + "*")) / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds of steady traffic")
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--orgs", type=int, default=10)
    parser.add_argument("--rest-rate", type=float, default=20, help="REST requests per second, in total")
    parser.add_argument("--heartbeat", type=float, default=30, help="seconds between a client's heartbeats")
    parser.add_argument("--sample", type=float, default=30, help="seconds between reports")
    parser.add_argument("--ramp", type=int, default=50, help="connections being opened at once")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 2 * args.connections + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # the hub inherits it
    with Hub(core=0) as hub:
        stats, samples = asyncio.run(soak(hub, args))
        rss_end, db_end = hub.rss_kb(), _db_mb(hub)
    rss_start = samples[0][1]
    print(f"\ncores: {cores()}  duration: {args.duration:.0f} s  connections: {stats.opened} "
          f"(+{stats.open_failures} failed to open)  orgs: {args.orgs}")
    print(f"connections lost: {stats.lost}  REST ok: {stats.rest_ok}  REST errors: {stats.rest_errors}  "
          f"heartbeat acks: {stats.acks}")
    print(f"post.created delivered: {stats.delivered} of {stats.expected} expected")
    print(f"hub RSS: start {rss_start / 1024:.1f} MB, end {rss_end / 1024:.1f} MB "
          f"(min {min(s[1] for s in samples) / 1024:.1f}, max {max(s[1] for s in samples) / 1024:.1f}); "
          f"database at the end {db_end:.1f} MB")
    for error in stats.errors:
        print("error:", error)
    failed = stats.lost or stats.open_failures or stats.rest_errors or stats.delivered != stats.expected
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
