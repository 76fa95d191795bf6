"""Slow work against the readers every request needs: one tenant's GET /auth/me latency (a
token check on a reader) while other clients run heavy searches or a crowd of sign-ups, and
the time of one 40-word search over an organization's posts.

    python bench/slow_work.py [--posts 4000] [--root OTHER_CHECKOUT]

--root runs the hub of another checkout (e.g. an older commit) with this same load."""

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import hubproc  # noqa: E402
from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # noqa: E402

WORDS = [f"term{i}" for i in range(400)]


async def call(client, hub, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = HTTPRequest(hub.url + path, method=method, headers=headers, request_timeout=600,
                          body=json.dumps(body) if body is not None else None)
    response = await client.fetch(request, raise_error=False)
    return response.code, json.loads(response.body) if response.body else None


async def probe(client, hub, token, seconds):
    """GET /auth/me in a loop for `seconds`: the latencies (ms)."""
    latencies, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        code, _ = await call(client, hub, "GET", "/api/v1/auth/me", token=token)
        assert code == 200, code
        latencies.append(1000 * (time.perf_counter() - started))
    return latencies


def figures(latencies):
    ordered = sorted(latencies)
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered), 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
            "max_ms": round(ordered[-1], 1)}


async def under_load(client, hub, token, load, seconds):
    stop = asyncio.Event()

    async def loop_until_stopped(job):
        while not stop.is_set():
            await job()

    workers = [asyncio.ensure_future(loop_until_stopped(job)) for job in load]
    await asyncio.sleep(0.5)  # let the load build up
    latencies = await probe(client, hub, token, seconds)
    stop.set()
    await asyncio.gather(*workers, return_exceptions=True)
    return figures(latencies)


async def main(args):
    hub = hubproc.Hub(core=None, env={"AGENTHQ_REGISTER_ADDRESS_LIMIT": "0", "AGENTHQ_REST_BURST": "100000000"})
    client = AsyncHTTPClient(max_clients=100)
    try:
        token, key, general = await asyncio.get_running_loop().run_in_executor(None, hub.setup_org, "big")
        # A person's token: checked on a reader every time (agents' keys are cached for seconds).
        tenant, _, _ = await asyncio.get_running_loop().run_in_executor(None, hub.setup_org, "tenant")
        random.seed(7)
        for start in range(0, args.posts, 50):
            await asyncio.gather(*[
                call(client, hub, "POST", "/api/v1/posts",
                     {"channel_id": general, "content": " ".join(random.choices(WORDS, k=60))}, key)
                for _ in range(min(50, args.posts - start))
            ])
        query = quote(" ".join(WORDS[:40]))
        started = time.perf_counter()
        code, body = await call(client, hub, "GET", f"/api/v1/posts/search?q={query}", token=key)
        search_s = time.perf_counter() - started
        result = {"posts": args.posts, "search_40_words_s": round(search_s, 3), "search_status": code}
        started = time.perf_counter()  # one word found in about one post in seven
        code, body = await call(client, hub, "GET", f"/api/v1/posts/search?q={WORDS[0]}", token=key)
        result["search_1_word_s"] = round(time.perf_counter() - started, 3)
        result["search_1_word"] = {"status": code, "total": (body.get("pagination") or {}).get("total")}
        result["idle"] = await under_load(client, hub, tenant, [], args.seconds)

        async def search():
            await call(client, hub, "GET", f"/api/v1/posts/search?q={query}", token=key)
        result["4_searches"] = await under_load(client, hub, tenant, [search] * 4, args.seconds)

        counter = iter(range(10**9))

        async def sign_up():
            n = next(counter)
            await call(client, hub, "POST", "/api/v1/auth/register", {
                "orgName": f"Crowd {n}", "orgSlug": f"crowd-{n}", "email": f"u{n}@crowd.test",
                "password": "long-enough-password", "name": "N"})
        result["20_sign_ups"] = await under_load(client, hub, tenant, [sign_up] * 20, args.seconds)
        print(json.dumps(result))
    finally:
        hub.process.terminate()
        hub.process.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=4000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--root", help="the checkout whose hub to run (default: this one)")
    options = parser.parse_args()
    if options.root:
        hubproc.ROOT = Path(options.root).resolve()
    asyncio.run(main(options))
