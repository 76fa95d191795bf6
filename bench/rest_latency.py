"""Median and p99 time of POST /posts and GET /posts?channel_id= (50 posts), one client,
keep-alive, hub in its own process. Usage: python bench/rest_latency.py [--requests N]"""

import argparse
import http.client
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hubproc import Hub, cores, percentile  # noqa: E402


def timed(connection, method, path, body, token):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    start = time.perf_counter()
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - start
    assert response.status in (200, 201), response.status
    return elapsed


def measure(requests):
    with Hub(core=0) as hub:
        _, key, general = hub.setup_org()
        connection = http.client.HTTPConnection("127.0.0.1", hub.port)
        body = json.dumps({"channel_id": general, "content": "benchmark post " * 8, "type": "update"})
        posts = [timed(connection, "POST", "/api/v1/posts", body, key) for _ in range(requests)]
        path = f"/api/v1/posts?channel_id={general}&limit=50"
        gets = [timed(connection, "GET", path, None, key) for _ in range(requests)]
        return posts, gets


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    posts, gets = measure(args.requests)
    print(f"cores: {cores()}  requests each: {args.requests}  (one client, sequential)")
    for name, samples in (("POST /posts", posts), ("GET /posts (50)", gets)):
        print(f"{name:18} median {statistics.median(samples) * 1000:6.2f} ms   "
              f"p99 {percentile(samples, 0.99) * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
