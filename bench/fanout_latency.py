"""Publish-to-receive latency: posts go in through the REST API at a fixed rate; N
WebSocket subscribers of the channel (in a separate process, on the other core) note when
each arrives. Usage: python bench/fanout_latency.py --subscribers 1000 --rate 20 --posts 200"""

import argparse
import asyncio
import http.client
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hubproc import Hub, cores, percentile, pinned  # noqa: E402
from wsclient import FrameReader, Socket  # noqa: E402


async def subscribers(port, key, channel, count, expected):
    """Runs in the load-generator process: connect, subscribe, report latencies as JSON."""
    sockets = []
    for start in range(0, count, 200):
        batch = await asyncio.gather(*(Socket.connect(port, key) for _ in range(start, min(count, start + 200))))
        sockets.extend(batch)
    for socket in sockets:
        socket.send({"type": "subscribe", "channel": channel})
    for socket in sockets:
        await socket.expect("subscribed")
    print("ready", flush=True)
    latencies = []
    expected_total = expected * len(sockets)
    done = asyncio.get_running_loop().create_future()
    marker = b'"content":"sent '

    def on_text(buffer, start, end):
        now = time.perf_counter()
        # A byte search, not json.loads: the generator must stay cheaper than the hub.
        mark = buffer.find(marker, start, end)
        if mark >= 0:
            begin = mark + len(marker)
            latencies.append(now - float(buffer[begin:buffer.index(b'"', begin)]))
            if len(latencies) == expected_total:
                done.set_result(None)

    for socket in sockets:
        FrameReader.attach(socket, on_text)
    await done
    print(json.dumps(latencies), flush=True)


def run(subscriber_count, rate, posts):
    with Hub(core=0) as hub:
        _, key, general = hub.setup_org()
        child = subprocess.Popen(
            pinned([sys.executable, __file__, "--child", str(hub.port), key, general, str(subscriber_count),
                    str(posts)], 1),
            stdout=subprocess.PIPE, text=True,
        )
        assert child.stdout.readline().strip() == "ready"
        connection = http.client.HTTPConnection("127.0.0.1", hub.port)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        interval, next_at = 1.0 / rate, time.perf_counter()
        for _ in range(posts):
            next_at += interval
            body = json.dumps({"channel_id": general, "content": f"sent {time.perf_counter():.6f}"})
            connection.request("POST", "/api/v1/posts", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            time.sleep(max(0.0, next_at - time.perf_counter()))
        latencies = json.loads(child.stdout.readline())
        child.wait(30)
        return latencies


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        port, key, channel, count, expected = sys.argv[2:7]
        asyncio.run(subscribers(int(port), key, channel, int(count), int(expected)))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1, 1000])
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--posts", type=int, default=200)
    args = parser.parse_args()
    print(f"cores: {cores()}  rate: {args.rate}/s  posts: {args.posts}")
    for count in args.subscribers:
        latencies = run(count, args.rate, args.posts)
        print(f"{count:5} subscribers: {len(latencies)} deliveries  median {statistics.median(latencies) * 1000:7.2f} ms"
              f"  p99 {percentile(latencies, 0.99) * 1000:7.2f} ms")


if __name__ == "__main__":
    main()
