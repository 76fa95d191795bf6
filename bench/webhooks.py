"""Outgoing webhooks on one hub process: how fast they are delivered, and what a dead receiver
costs everyone else.

    python bench/webhooks.py [--posts 1000] [--runs 3] [--hub-root DIR]

The hub runs pinned to core 0; the receivers (a lean asyncio process that keeps connections alive)
and the posting clients share core 1. Each figure is the median of --runs runs.
- drain: one webhook paused while --posts posts are written, then resumed: deliveries per
  second from the log alone (no client in the way).
- live: --posts posts from 4 concurrent clients while one webhook delivers them: deliveries
  per second from the first post to the last delivery (the client included).
- fan-out: 4 posting clients and one /ws subscriber of the channel, with no webhook, with 9
  live webhooks, and with those 9 plus one dead receiver (it accepts TCP and never answers):
  the posting clients' latency p50/p99, the /ws subscriber's rate, and the slowest live
  webhook's delivery rate. A dead receiver should change none of them.
--hub-root runs the hub from another checkout (e.g. the code before a change) with this script."""

import argparse
import asyncio
import json
import multiprocessing
import os
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hubproc import ROOT, Hub, percentile  # noqa: E402
from wsclient import Socket  # noqa: E402

CLIENTS = 4


def receiver_main(port_queue):
    """A child process: a lean HTTP/1.1 receiver (keep-alive, Content-Length bodies only) so
    that the figure is the hub's, not a web framework's. POST /in/<name> records each body's
    seq under name; GET /stats answers {name: [count, in_order]}."""
    seen = {}

    class Receiver(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.buffer = transport, b""

        def data_received(self, data):
            self.buffer += data
            while True:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.buffer[:end].decode("latin-1").split("\r\n")
                length = next((int(line.split(":", 1)[1]) for line in head[1:]
                               if line.lower().startswith("content-length:")), 0)
                if len(self.buffer) < end + 4 + length:
                    return
                body, self.buffer = self.buffer[end + 4:end + 4 + length], self.buffer[end + 4 + length:]
                method, path = head[0].split(" ")[:2]
                if method == "GET":
                    answer = json.dumps({name: [len(seqs), seqs == sorted(seqs)] for name, seqs in seen.items()})
                else:
                    seen.setdefault(path.rsplit("/", 1)[1], []).append(json.loads(body)["seq"])
                    answer = "ok"
                self.transport.write(f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                     f"Content-Length: {len(answer)}\r\n\r\n{answer}".encode())

    async def serve():
        server = await asyncio.get_running_loop().create_server(Receiver, "127.0.0.1", 0)
        port_queue.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(serve())


class Bench:
    def __init__(self, args):
        self.args = args
        spawn = multiprocessing.get_context("spawn")  # not a fork of this running event loop
        queue = spawn.Queue()
        self.receiver = spawn.Process(target=receiver_main, args=(queue,), daemon=True)
        self.receiver.start()
        self.receiver_port = queue.get(timeout=20)
        if hasattr(os, "sched_setaffinity") and os.cpu_count() >= 2:
            os.sched_setaffinity(self.receiver.pid, {1})
            os.sched_setaffinity(0, {1})
        # Accepts TCP (the kernel completes the handshake into the backlog) and never answers.
        self.dead = socket.socket()
        self.dead.bind(("127.0.0.1", 0))
        self.dead.listen(1024)
        self.runs = 0

    def hub(self):
        return Hub(core=self.args.hub_core, env={"AGENTHQ_WEBHOOK_ALLOW_PRIVATE": "1", "AGENTHQ_REST_RATE": "0"},
                   root=self.args.hub_root)

    def stats(self, hub):
        return hub_get(f"http://127.0.0.1:{self.receiver_port}/stats")

    def hook_url(self, name):
        self.runs += 1
        return f"http://127.0.0.1:{self.receiver_port}/in/{name}{self.runs}", f"{name}{self.runs}"

    async def wait_delivered(self, names, count, timeout=300):
        """Seconds until every named receiver has `count` deliveries, and whether each was in order."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stats = self.stats(None)
            if all(stats.get(name, [0])[0] >= count for name in names):
                return time.monotonic(), all(stats[name][1] for name in names)
            await asyncio.sleep(0.02)
        raise RuntimeError(f"deliveries did not arrive: {self.stats(None)}")

    async def drain(self):
        with self.hub() as hub:
            token, _, general = hub.setup_org()
            url, name = self.hook_url("drain")
            hook = hub.call("POST", "/api/v1/webhooks", {"url": url, "events": ["post.created"]}, token)
            hub.call("PATCH", f"/api/v1/webhooks/{hook['id']}", {"active": False}, token)
            await post_many(hub, token, general, self.args.posts)
            start = time.monotonic()
            hub.call("PATCH", f"/api/v1/webhooks/{hook['id']}", {"active": True}, token)
            end, ordered = await self.wait_delivered([name], self.args.posts)
            return {"drain_per_s": self.args.posts / (end - start), "in_order": ordered}

    async def live(self):
        with self.hub() as hub:
            token, _, general = hub.setup_org()
            url, name = self.hook_url("live")
            hub.call("POST", "/api/v1/webhooks", {"url": url, "events": ["post.created"]}, token)
            start = time.monotonic()
            await post_many(hub, token, general, self.args.posts)
            end, ordered = await self.wait_delivered([name], self.args.posts)
            return {"live_per_s": self.args.posts / (end - start), "in_order": ordered}

    async def fanout(self, live_hooks, dead):
        with self.hub() as hub:
            token, key, general = hub.setup_org()
            names = []
            for _ in range(live_hooks):
                url, name = self.hook_url("fan")
                names.append(name)
                hub.call("POST", "/api/v1/webhooks", {"url": url, "events": ["post.created"]}, token)
            if dead:
                hub.call("POST", "/api/v1/webhooks", {
                    "url": f"http://127.0.0.1:{self.dead.getsockname()[1]}/dead", "events": ["post.created"]}, token)
            subscriber = await Socket.connect(hub.port, key)
            await subscriber.expect("connected")
            subscriber.send({"type": "subscribe", "channel": general})
            await subscriber.expect("subscribed")
            heard = asyncio.ensure_future(count_posts(subscriber, self.args.posts))
            start = time.monotonic()
            latencies = await post_many(hub, token, general, self.args.posts)
            ws_done = await heard
            result = {"post_p50_ms": percentile(latencies, 0.5) * 1000, "post_p99_ms": percentile(latencies, 0.99) * 1000,
                      "ws_per_s": self.args.posts / (ws_done - start)}
            if names:
                end, ordered = await self.wait_delivered(names, self.args.posts)
                result.update(slowest_hook_per_s=self.args.posts / (end - start), in_order=ordered)
            subscriber.close()
            return result


async def count_posts(subscriber, count):
    seen = 0
    while seen < count:
        if json.loads(await subscriber.recv()).get("type") == "post.created":
            seen += 1
    return time.monotonic()


async def post_many(hub, token, channel, total):
    """`total` posts from CLIENTS concurrent keep-alive clients; each post's latency."""
    latencies = []
    per_client = [total // CLIENTS + (1 if i < total % CLIENTS else 0) for i in range(CLIENTS)]

    async def client(count, index):
        reader, writer = await asyncio.open_connection("127.0.0.1", hub.port)
        try:
            for n in range(count):
                body = json.dumps({"channel_id": channel, "content": f"bench {index}-{n}"}).encode()
                started = time.monotonic()
                writer.write(f"POST /api/v1/posts HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer {token}\r\n"
                             f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(next(line.split(b":", 1)[1] for line in head.split(b"\r\n")
                                  if line.lower().startswith(b"content-length:")))
                answer = await reader.readexactly(length)
                if b" 201 " not in head.split(b"\r\n", 1)[0]:
                    raise RuntimeError(f"post failed: {head[:200]!r} {answer[:300]!r}")
                latencies.append(time.monotonic() - started)
        finally:
            writer.close()

    await asyncio.gather(*(client(count, i) for i, count in enumerate(per_client)))
    return latencies


def hub_get(url):
    import urllib.request
    with urllib.request.urlopen(url) as response:
        return json.loads(response.read())


def median_of(results, key):
    values = [r[key] for r in results if key in r]
    return statistics.median(values) if values else float("nan")


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hub-root", default=str(ROOT), help="run the hub from this checkout")
    parser.add_argument("--hub-core", type=int, default=0, help="the hub's core (1: away from a shared core 0)")
    args = parser.parse_args()
    bench = Bench(args)
    print(f"load average before: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()}); hub from {args.hub_root}")
    cases = [("drain", bench.drain), ("live", bench.live),
             ("fan-out, no webhook", lambda: bench.fanout(0, False)),
             ("fan-out, 9 live webhooks", lambda: bench.fanout(9, False)),
             ("fan-out, 9 live + 1 dead", lambda: bench.fanout(9, True))]
    for label, case in cases:
        results = [await case() for _ in range(args.runs)]
        keys = [k for k in results[0] if k != "in_order"]
        figures = ", ".join(f"{k} {median_of(results, k):.1f}" for k in keys)
        ordered = all(r.get("in_order", True) for r in results)
        print(f"{label:28} {figures}" + ("" if "in_order" not in results[0] else f", in order: {ordered}"), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    bench.receiver.terminate()


if __name__ == "__main__":
    asyncio.run(main())
