"""One slow reader among N subscribers: REST post -> WebSocket receipt latency of N subscribers
(the C load client bench/wsload.c, on the other core), with and without one more subscriber that
never reads (a raw socket with a tiny SO_RCVBUF), in alternating rounds on fresh hubs.
Usage: python bench/slow_reader.py [--subscribers 1000] [--rate 20] [--posts 200] [--runs 3]"""

import argparse
import http.client
import json
import socket as sockets
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from hubproc import WS_LOAD_ENV, Hub, cores  # noqa: E402
from loadclient import LoadClient  # noqa: E402


class NeverReads:
    """A subscriber that upgrades, subscribes, and then never reads again."""

    def __init__(self, port, key, channel):
        self.sock = sockets.socket()
        self.sock.setsockopt(sockets.SOL_SOCKET, sockets.SO_RCVBUF, 1024)  # the kernel's minimum
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(f"GET /ws?token={key} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        self._read_until(b'"connected"')
        payload = json.dumps({"type": "subscribe", "channel": channel}).encode()
        mask = b"\x01\x02\x03\x04"
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask +
                          bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        self._read_until(b'"subscribed"')

    def _read_until(self, marker):
        seen = b""
        self.sock.settimeout(10)
        while marker not in seen:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("slow reader closed during setup")
            seen += chunk

    def drain(self):
        """Read what is left; report the bytes and whether the hub closed with 4008."""
        self.sock.settimeout(0.5)
        data = bytearray()
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    break
                data += chunk
        except (TimeoutError, OSError):
            pass
        self.sock.close()
        close_code, offset = None, 0
        while len(data) - offset >= 2:  # walk the frames (unmasked, from the server)
            length, header = data[offset + 1] & 0x7F, 2
            if length == 126:
                length, header = int.from_bytes(data[offset + 2:offset + 4], "big"), 4
            elif length == 127:
                length, header = int.from_bytes(data[offset + 2:offset + 10], "big"), 10
            if data[offset] & 0x0F == 0x8 and length >= 2:
                close_code = int.from_bytes(data[offset + header:offset + header + 2], "big")
            offset += header + length
        return {"unread_bytes": len(data), "close_code": close_code}


def run(subscriber_count, rate, posts, slow, pad=0):
    """(p50, p99) of the fast subscribers, and what the slow reader saw."""
    with Hub(core=0, env=WS_LOAD_ENV) as hub:
        _, key, general = hub.setup_org()
        with LoadClient("latency", hub.port, general, [key], subscriber_count, posts) as client:
            client.wait_ready()
            reader = NeverReads(hub.port, key, general) if slow else None
            connection = http.client.HTTPConnection("127.0.0.1", hub.port)
            headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
            interval, next_at = 1.0 / rate, time.monotonic()
            for _ in range(posts):
                next_at += interval
                # The send time in CLOCK_MONOTONIC seconds, as the C client reads its clock.
                post = {"channel_id": general, "content": f"sent {time.monotonic():.6f}"}
                if pad:  # bigger events fill the slow reader's queue sooner (up to the 4008 cut-off)
                    post["metadata"] = {"pad": "x" * pad}
                body = json.dumps(post)
                connection.request("POST", "/api/v1/posts", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                time.sleep(max(0.0, next_at - time.monotonic()))
            client.say("end")
            result = client.result()
        return (result["p50"], result["p99"]), (reader.drain() if reader else None)


def measure(subscriber_count, rate, posts, runs, pad=0):
    """{"without": [(p50, p99)...], "with": [...], "slow": [drain reports]}, rounds alternating."""
    table = {"without": [], "with": [], "slow": []}
    for _ in range(runs):
        for slow in (False, True):
            figures, report = run(subscriber_count, rate, posts, slow, pad)
            table["with" if slow else "without"].append(figures)
            if report:
                table["slow"].append(report)
    return table


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pad", type=int, default=0, help="extra bytes of metadata per post")
    args = parser.parse_args()
    table = measure(args.subscribers, args.rate, args.posts, args.runs, args.pad)
    print(f"cores: {cores()}  {args.subscribers} subscribers, {args.rate}/s, {args.posts} posts, {args.runs} runs")
    for name in ("without", "with"):
        p50s = [p for p, _ in table[name]]
        p99s = [p for _, p in table[name]]
        print(f"{name:7} slow reader: p50 {statistics.median(p50s) * 1000:6.2f} ms [{min(p50s) * 1000:.2f}-"
              f"{max(p50s) * 1000:.2f}]  p99 {statistics.median(p99s) * 1000:6.2f} ms [{min(p99s) * 1000:.2f}-"
              f"{max(p99s) * 1000:.2f}]")
    print("slow reader:", table["slow"])


if __name__ == "__main__":
    main()
