"""Fan-out throughput: deliveries per second from one channel to N subscribers, posts sent
through the REST API, for the hub and for the Node `ws` reference server, same message size
and count, in the same run. The load generator (subscribers and posters in one asyncio
process) runs on the other core and reports its own CPU share.

Usage: python bench/fanout_throughput.py --subscribers 1000 5000 --runs 3"""

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hubproc import Hub, cores, pinned  # noqa: E402
from wsclient import FrameReader, Socket  # noqa: E402

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


async def generator(port, token, channel, count, posts, concurrency):
    sockets = await subscribe_all(port, token, channel, count)
    expected = count * posts
    received = [0]
    done = asyncio.get_running_loop().create_future()
    last = [0.0]

    def on_frame(buffer, start, end):
        received[0] += 1
        if received[0] == expected:
            last[0] = time.perf_counter()
            done.set_result(None)

    for socket in sockets:
        FrameReader.attach(socket, on_frame)
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    await post_loop(port, token, channel, posts, concurrency)
    await asyncio.wait_for(done, 120)
    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    elapsed = last[0] - start
    cpu = (usage_after.ru_utime + usage_after.ru_stime) - (usage_before.ru_utime + usage_before.ru_stime)
    print(json.dumps({"deliveries": expected, "seconds": elapsed, "generator_cpu": cpu}), flush=True)


def run_generator(port, token, channel, count, posts, concurrency):
    child = subprocess.run(
        pinned([sys.executable, __file__, "--child", str(port), token, channel, str(count), str(posts),
                str(concurrency)], 1),
        capture_output=True, text=True, timeout=600,
    )
    if child.returncode != 0:
        raise RuntimeError(child.stderr)
    return json.loads(child.stdout.strip().splitlines()[-1])


class NodeServer:
    def __init__(self):
        if not (HERE / "node" / "node_modules" / "ws").exists():
            subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=HERE / "node", check=True)
        self.process = subprocess.Popen(pinned(["node", str(HERE / "node" / "ref_server.js")], 0),
                                        stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline().split()[1])

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def one_round(target, count, posts, concurrency):
    if target == "hub":
        hub = Hub(core=0)
        try:
            _, key, general = hub.setup_org()
            cpu0 = hub.cpu_seconds()
            result = run_generator(hub.port, key, general, count, posts, concurrency)
            result["server_cpu"] = hub.cpu_seconds() - cpu0
        finally:
            hub.stop()
    else:
        node = NodeServer()
        try:
            cpu0 = node.cpu_seconds()
            result = run_generator(node.port, "ahq_reference", "01M8A0KHP2MK81WVH3F7TX5V8P", count, posts, concurrency)
            result["server_cpu"] = node.cpu_seconds() - cpu0
        finally:
            node.stop()
    result["rate"] = result["deliveries"] / result["seconds"]
    return result


def measure(counts, runs, concurrency=4, deliveries=200_000):
    """{count: {"hub": [results], "node": [results]}}, hub and node rounds interleaved."""
    table = {}
    for count in counts:
        posts = max(10, deliveries // count)
        table[count] = {"hub": [], "node": []}
        for _ in range(runs):
            for target in ("hub", "node"):
                table[count][target].append(one_round(target, count, posts, concurrency))
    return table


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        port, token, channel, count, posts, concurrency = sys.argv[2:8]
        asyncio.run(generator(int(port), token, channel, int(count), int(posts), int(concurrency)))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    table = measure(args.subscribers, args.runs)
    print(f"cores: {cores()}  runs: {args.runs}  (median [min-max] deliveries/s)")
    for count, results in table.items():
        line = []
        for target in ("hub", "node"):
            rates = [r["rate"] for r in results[target]]
            share = statistics.median(r["generator_cpu"] / r["seconds"] for r in results[target])
            line.append(f"{target} {statistics.median(rates):9,.0f} [{min(rates):,.0f}-{max(rates):,.0f}] gen-cpu {share:.0%}")
        ratio = statistics.median(r["rate"] for r in results["hub"]) / statistics.median(r["rate"] for r in results["node"])
        print(f"{count:5} subscribers: " + "  |  ".join(line) + f"  |  hub/node {ratio:.2f}x")


if __name__ == "__main__":
    main()
