"""Read time of one task's history (agenthq/web/task_history.py) against a full event log:
a day of an organization's events (posts, and the task events of many other tasks) in a
SQLite file, as the Tasks board's dialog asks for it.

    python bench/task_history.py [events]    # default 100,000 events; prints a small table

The query walks the organization's events since the task was made (by the timestamp index)
and picks the task's by the id inside each event's JSON: a task as old as the log is the
worst case, a task from the last hour the usual one. Best of 5 runs, wall time on the calling
thread (in the hub, a database thread: never the event loop)."""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from agenthq.auth import Identity  # noqa: E402
from agenthq.clock import iso_ago  # noqa: E402
from agenthq.models import Event, Organization, Task, User, database, new_id  # noqa: E402
from agenthq.models.schema import open_database  # noqa: E402
from agenthq.web.task_history import task_history  # noqa: E402


def fill(events, task_age, task_share=0.05):
    """events spread evenly over the last 24 h; the task made task_age seconds ago, with a
    step every 1,000 events after that."""
    org = Organization.create(name="Bench", slug=f"bench-{new_id().lower()}")
    user = User.create(org_id=org.id, email=f"{new_id()}@bench.test", password_hash="x", name="Bencher", role="owner")
    task = Task.create(org_id=org.id, title="Target", created_by=user.id, created_by_type="user",
                       created_at=iso_ago(task_age))
    others = [new_id() for _ in range(500)]
    rows = []
    for seq in range(1, events + 1):
        age = 24 * 3600 * (1 - seq / events)
        if seq % 1000 == 0 and age < task_age:
            rows.append((seq, age, "task.claimed", {"id": task.id, "assigned_to": user.id}))
        elif seq % int(1 / task_share) == 0:
            rows.append((seq, age, "task.updated", {"id": others[seq % len(others)], "status": "open"}))
        else:
            rows.append((seq, age, "post.created", {"id": new_id(), "content": "x" * 200}))
    with database.atomic():
        for start in range(0, len(rows), 500):
            Event.insert_many([
                {"org_id": org.id, "seq": seq, "type": kind, "audience": "org", "data": data, "timestamp": iso_ago(age)}
                for seq, age, kind, data in rows[start:start + 500]
            ]).execute()
    Organization.update(last_seq=events).where(Organization.id == org.id).execute()
    return Identity("user", user.id, org.id, "owner"), task.id


def main():
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print("| events in the log (24 h) | task made | steps shown | best read (ms) |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        open_database(str(Path(folder) / "bench.db"))
        database.connect(reuse_if_open=True)
        for label, age in (("24 h ago (worst)", 24 * 3600), ("1 h ago", 3600)):
            identity, task_id = fill(events, age)
            timings = []
            for _ in range(5):
                began = time.perf_counter()
                found = task_history(identity, task_id)
                timings.append(time.perf_counter() - began)
            print(f"| {events:,} | {label} | {len(found['entries'])} | {min(timings) * 1000:.1f} |")


if __name__ == "__main__":
    main()
