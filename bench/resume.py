"""Resume: one client misses N posts, then subscribes to the channel with `since`; the time from
sending that subscribe to receiving the last replayed event. The client connects before the
posts (to learn the seq it will resume from) but is not subscribed while they are made; the
posts are created by concurrent REST clients (rest_throughput's generator).
Usage: python bench/resume.py [--events 10000] [--runs 3]"""

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchutil import cpu_now  # noqa: E402
from hubproc import Hub, cores, pinned  # noqa: E402
from rest_throughput import create_posts  # noqa: E402
from wsclient import FrameReader, Socket  # noqa: E402


async def client(port, key, channel, expected):
    socket = await Socket.connect(port, key)
    since = (await socket.expect("connected"))["data"]["seq"]
    print(json.dumps({"since": since}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # posts made
    done = asyncio.get_running_loop().create_future()
    state = {"count": 0, "bytes": 0, "last": 0.0}
    marker = b'"post.created"'

    def on_text(buffer, start, end):
        if buffer.find(marker, start, end) >= 0:
            state["count"] += 1
            state["bytes"] += end - start
            if state["count"] == expected:
                state["last"] = time.perf_counter()
                done.set_result(None)

    cpu0 = cpu_now()
    start = time.perf_counter()
    socket.send({"type": "subscribe", "channel": channel, "since": since})
    FrameReader.attach(socket, on_text)
    await asyncio.wait_for(done, 120)
    seconds = state["last"] - start
    print(json.dumps({"events": state["count"], "bytes": state["bytes"], "seconds": seconds,
                      "generator_share": (cpu_now() - cpu0) / seconds}), flush=True)


def once(events):
    with Hub(core=0) as hub:
        _, key, general = hub.setup_org()
        child = subprocess.Popen(pinned([sys.executable, __file__, "--child", str(hub.port), key, general, str(events)], 1),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            json.loads(child.stdout.readline())
            made = create_posts(hub, key, general, events)
            child.stdin.write("\n")
            child.stdin.flush()
            line = child.stdout.readline()
            if not line:
                raise RuntimeError("resume client failed")
            result = json.loads(line)
        finally:
            child.stdin.close()
            child.wait(30)
        result["post_rate"] = made["rate"]
        return result


def measure(events, runs):
    return [once(events) for _ in range(runs)]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        port, key, channel, expected = sys.argv[2:6]
        asyncio.run(client(int(port), key, channel, int(expected)))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = measure(args.events, args.runs)
    times = [r["seconds"] for r in results]
    print(f"cores: {cores()}  replay of {args.events} events: median {statistics.median(times) * 1000:.0f} ms "
          f"[{min(times) * 1000:.0f}-{max(times) * 1000:.0f}]  ({results[0]['bytes'] / 1e6:.1f} MB; posts made at "
          f"{statistics.median(r['post_rate'] for r in results):,.0f}/s)")


if __name__ == "__main__":
    main()
