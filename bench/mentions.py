"""Conversations under load, two measurements on one fresh hub (pinned to one core):

1. @channel in a channel of N members (default 1,000 agents, each with its own socket): the
   time from sending the POST to the last member's notification.created, while 50 other
   sockets receive a steady stream of posts in another channel; their post -> receipt p50/p99
   during the @channel posts, next to the same figures before them.
2. GET /channels with read state for an identity in 100 channels: requests per second over 16
   keep-alive connections, next to a bare Tornado app answering the same JSON (the REST
   reference), measured in the same run.

Usage: python bench/mentions.py [--members 1000] [--shouts 5] [--requests 3000]"""

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchutil import run_child  # noqa: E402
from hubproc import Hub, cores, percentile, pinned  # noqa: E402
from rest_throughput import load  # noqa: E402
from wsclient import FrameReader, Socket  # noqa: E402

REFERENCE = """
import sys, tornado.ioloop, tornado.web
body = open(sys.argv[1], "rb").read()
class H(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.write(body)
app = tornado.web.Application([(r"/api/v1/channels", H)])
server = app.listen(0, "127.0.0.1")
print(list(server._sockets.values())[0].getsockname()[1], flush=True)
tornado.ioloop.IOLoop.current().start()
"""


async def shout_run(hub, token, members, shouts, updates):
    loop = asyncio.get_running_loop()
    keys = [hub.call("POST", "/api/v1/auth/agents/register", {"name": f"m{n}"}, token)["apiKey"]
            for n in range(members)]
    arrivals = {}  # shout number -> arrival times
    stream = []  # (phase, latency) of the other subscribers' posts
    phase = {"now": "before"}

    def on_member(buffer, start, end):
        mark = buffer.find(b'"notification.created"', start, end)
        if mark >= 0:
            at = buffer.find(b'"body":"shout ', start, end)
            number = int(buffer[at + 14:buffer.index(b" ", at + 14)])
            arrivals.setdefault(number, []).append(time.perf_counter())

    def on_watcher(buffer, start, end):
        now = time.perf_counter()
        mark = buffer.find(b'"content":"sent ', start, end)
        if mark >= 0 and buffer.find(b'"post.created"', start, end) >= 0:
            begin = mark + 16
            stream.append((phase["now"], now - float(buffer[begin:buffer.index(b'"', begin)])))

    sockets = []
    for start in range(0, members, 200):
        sockets += await asyncio.gather(*(Socket.connect(hub.port, key) for key in keys[start:start + 200]))
    for socket in sockets:
        await socket.expect("connected")
        FrameReader.attach(socket, on_member)
    watchers = await asyncio.gather(*(Socket.connect(hub.port, token) for _ in range(50)))
    for socket in watchers:
        socket.send({"type": "subscribe", "channel": updates})
        await socket.expect("subscribed")
        FrameReader.attach(socket, on_watcher)

    async def post(channel, content):
        return await loop.run_in_executor(None, lambda: hub.call(
            "POST", "/api/v1/posts", {"channel_id": channel, "content": content}, token))

    async def steady(seconds):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            await post(updates, f"sent {time.perf_counter()}")
            await asyncio.sleep(0.05)  # 20 posts a second, the latency goal's rate

    await steady(3)
    phase["now"] = "during"
    times, answers = [], []
    for number in range(shouts):
        sent = time.perf_counter()
        background = asyncio.ensure_future(steady(1.0))
        await post("general", f"shout {number} @channel the release is at noon")
        answers.append(time.perf_counter() - sent)  # its write: 1,000 mentions, notifications, events
        while len(arrivals.get(number, ())) < members:
            await asyncio.sleep(0.01)
        times.append(max(arrivals[number]) - sent)
        await background
    for socket in [*sockets, *watchers]:
        socket.close()
    before = [lat for when, lat in stream if when == "before"]
    during = [lat for when, lat in stream if when == "during"]
    return times, answers, before, during


def channels_rate(hub, token, requests):
    """GET /channels as an agent in 100 channels (5 default + 95 made for it), against a bare
    Tornado app answering the same bytes; both on core 0, the generator on core 1."""
    key = hub.call("POST", "/api/v1/auth/agents/register", {"name": "reader"}, token)["apiKey"]
    agent_id = hub.call("GET", "/api/v1/auth/me", token=key)["agent"]["id"]
    for n in range(95):
        channel = hub.call("POST", "/api/v1/channels", {"name": f"room-{n}"}, token)
        hub.call("POST", f"/api/v1/channels/{channel['id']}/members",
                 {"member_id": agent_id, "member_type": "agent"}, token)
        hub.call("POST", "/api/v1/posts", {"channel_id": channel["id"], "content": f"hello @reader {n}"}, token)
    listed = hub.call("GET", "/api/v1/channels", token=key)
    assert sum(c["member"] for c in listed) == 100, "the reader should be in 100 channels"
    body_file = Path(hub.dir.name) / "channels.json"
    body_file.write_text(json.dumps({"success": True, "data": listed,
                                     "pagination": {"page": 1, "limit": len(listed), "total": len(listed),
                                                    "hasMore": False}}))
    request = (f"GET /api/v1/channels HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\r\n").encode()
    ours = run_child(__file__, [hub.port, request.decode(), requests])
    reference = subprocess.Popen(pinned([sys.executable, "-c", REFERENCE, str(body_file)], 0),
                                 stdout=subprocess.PIPE, text=True)
    try:
        port = int(reference.stdout.readline())
        bare = run_child(__file__, [port, request.decode(), requests])
    finally:
        reference.terminate()
        reference.wait(10)
    return ours, bare


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        port, request, requests = sys.argv[2:5]
        print(json.dumps(asyncio.run(load(int(port), request.encode(), int(requests), 16))), flush=True)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--shouts", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--hub-core", type=int, default=0, help="the hub's core (1: away from a shared core 0)")
    parser.add_argument("--root", default=None, help="another checkout's hub (an A/B run in one sitting)")
    args = parser.parse_args()
    with Hub(core=args.hub_core, **({"root": args.root} if args.root else {})) as hub:
        token, _, _ = hub.setup_org()
        channels = {c["name"]: c["id"] for c in hub.call("GET", "/api/v1/channels", token=token)}
        times, answers, before, during = asyncio.run(shout_run(hub, token, args.members, args.shouts, channels["updates"]))
        ours, bare = channels_rate(hub, token, args.requests)
    ms = 1000
    print(f"cores: {cores()} (shared)  members: {args.members}  @channel posts: {args.shouts}")
    print(f"@channel -> last of {args.members} notifications: median {percentile(times, 0.5) * ms:.0f} ms, "
          f"max {max(times) * ms:.0f} ms; the POST answered in median {percentile(answers, 0.5) * ms:.0f} ms")
    print(f"other subscribers (50, 20 posts/s): before p50 {percentile(before, 0.5) * ms:.1f} ms "
          f"p99 {percentile(before, 0.99) * ms:.1f} ms; during p50 {percentile(during, 0.5) * ms:.1f} ms "
          f"p99 {percentile(during, 0.99) * ms:.1f} ms")
    print(f"GET /channels, reader in 100 channels: {ours['rate']:,.0f} req/s (p99 {ours['p99'] * ms:.1f} ms); "
          f"bare Tornado, same JSON: {bare['rate']:,.0f} req/s; ratio {ours['rate'] / bare['rate']:.2f}")


if __name__ == "__main__":
    main()
