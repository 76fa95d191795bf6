"""Tasks: claims per second with competing workers on one hub process, and the time from a
lease's expiry to its task.expired event (the sweep runs every AGENTHQ_TASK_SWEEP_INTERVAL,
1 s by default; the contract's bound is 5 s).

Each worker is an SDK client (one request in flight) calling POST /tasks/claim until the
queue is empty; every task must be claimed exactly once. Expiry: tasks claimed with the
shortest lease (10 s), spread over 3 s so expiries fall at every phase of the sweep; a client on /ws notes
when each task.expired arrives.

Usage: python bench/tasks.py [--workers 10] [--tasks 2000] [--expiries 100]"""

import argparse
import asyncio
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from hubproc import Hub, cores, percentile  # noqa: E402

from agenthq.client import AgentHQClient  # noqa: E402


def moment(iso_text):
    return datetime.fromisoformat(iso_text.replace("Z", "+00:00")).timestamp()


async def fill(owner, count, concurrency=20):
    queue = iter(range(count))

    async def creator():
        for n in queue:
            await owner.create_task(f"task {n}")

    await asyncio.gather(*(creator() for _ in range(concurrency)))


async def claims(url, token, workers, tasks, hub_cpu):
    owner = AgentHQClient(url, token=token)
    keys = [(await owner.register_agent(f"worker-{n}"))["apiKey"] for n in range(workers)]
    await fill(owner, tasks)
    clients = [AgentHQClient(url, api_key=key) for key in keys]
    taken = []

    async def work(client):
        while (task := await client.claim_next_task(lease_seconds=600)) is not None:
            taken.append(task["id"])

    started, cpu = time.perf_counter(), hub_cpu()
    await asyncio.gather(*(work(client) for client in clients))
    elapsed, cpu = time.perf_counter() - started, hub_cpu() - cpu
    assert len(taken) == len(set(taken)) == tasks, (len(taken), len(set(taken)), tasks)
    for client in (owner, *clients):
        await client.close()
    return tasks / elapsed, cpu / tasks


async def expiries(url, token, count):
    owner = AgentHQClient(url, token=token)
    key = (await owner.register_agent("expiring"))["apiKey"]
    worker = AgentHQClient(url, api_key=key)
    made = [await owner.create_task(f"expiring {n}") for n in range(count)]
    arrived, done = {}, asyncio.get_running_loop().create_future()

    def expired(task):
        arrived[task["id"]] = time.time()
        if len(arrived) == count and not done.done():
            done.set_result(None)

    owner.on("task.expired", expired)
    await owner.connect()
    lease_end = {}
    for task in made:
        claimed = await worker.claim_task(task["id"], lease_seconds=10)
        lease_end[task["id"]] = moment(claimed["lease_expires_at"])
        await asyncio.sleep(3 / count)  # spread the expiries over the sweep's phases
    await asyncio.wait_for(done, 60)
    for client in (owner, worker):
        await client.close()
    return [arrived[task_id] - end for task_id, end in lease_end.items()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--expiries", type=int, default=100)
    args = parser.parse_args()
    with Hub(core=0) as hub:
        token, _, _ = hub.setup_org()
        rate, cpu_per_claim = asyncio.run(claims(hub.url, token, args.workers, args.tasks, hub.cpu_seconds))
        delays = asyncio.run(expiries(hub.url, token, args.expiries))
    print(f"cores: {cores()} (the hub pinned to one where there are two)")
    print(f"claims: {args.tasks} tasks, {args.workers} competing workers: {rate:.0f} claims/s, each claimed once; "
          f"hub CPU {1000 * cpu_per_claim:.2f} ms per claim (the hub's own cost, less bent by other load)")
    print(f"load average: {open('/proc/loadavg').read().split()[0]}")
    print(f"lease expiry -> task.expired over {len(delays)} leases: p50 {percentile(delays, 0.5):.2f} s, "
          f"p99 {percentile(delays, 0.99):.2f} s, max {max(delays):.2f} s")


if __name__ == "__main__":
    main()
