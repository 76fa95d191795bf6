"""Idle connections: a load generator on the other core opens N authenticated WebSocket
connections (each reads its `connected` frame) and holds them; the hub's RSS before and after
gives its memory per connection. Hub and generator are separate processes, so each stays
under the file-descriptor limit. Usage: python bench/idle.py [--connections 10000]"""

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hubproc import Hub, cores, pinned  # noqa: E402
from wsclient import Socket  # noqa: E402


async def hold(port, key, count, batch=100):
    sockets = []
    start = time.perf_counter()
    for first in range(0, count, batch):
        batch_sockets = await asyncio.gather(*(Socket.connect(port, key) for _ in range(first, min(count, first + batch))))
        await asyncio.gather(*(socket.expect("connected") for socket in batch_sockets))
        sockets.extend(batch_sockets)
    print(json.dumps({"held": len(sockets), "connect_seconds": time.perf_counter() - start}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # hold until told
    # Still open? A socket the hub closed meanwhile has seen EOF.
    await asyncio.sleep(0.2)
    alive = sum(1 for socket in sockets if not socket.reader.at_eof() and not socket.writer.transport.is_closing())
    print(json.dumps({"alive": alive}), flush=True)


def measure(count):
    with Hub(core=0) as hub:
        _, key, _ = hub.setup_org()
        time.sleep(0.5)
        before = hub.rss_kb()
        child = subprocess.Popen(pinned([sys.executable, __file__, "--child", str(hub.port), key, str(count)], 1),
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            line = child.stdout.readline()
            if not line:
                raise RuntimeError("idle generator failed")
            result = json.loads(line)
            time.sleep(2)  # let the hub settle (presence writes, buffers)
            after = hub.rss_kb()
            child.stdin.write("\n")
            child.stdin.flush()
            result.update(json.loads(child.stdout.readline()))
        finally:
            child.stdin.close()
            child.wait(60)
        result.update(rss_before_kb=before, rss_after_kb=after, kb_per_connection=(after - before) / count)
        return result


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        port, key, count = sys.argv[2:5]
        asyncio.run(hold(int(port), key, int(count)))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=10_000)
    args = parser.parse_args()
    r = measure(args.connections)
    print(f"cores: {cores()}  held {r['held']} (alive {r['alive']}) in {r['connect_seconds']:.1f} s;  hub RSS "
          f"{r['rss_before_kb'] / 1024:.1f} -> {r['rss_after_kb'] / 1024:.1f} MiB:  {r['kb_per_connection']:.1f} KB each")


if __name__ == "__main__":
    main()
