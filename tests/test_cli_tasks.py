"""`agenthq task ...` run as a user would: subprocesses against a hub process."""

import json

from tests.test_cli import PASSWORD, config_file, failed, hub, ok, run_cli, signed_in  # noqa: F401 (fixtures)


def test_task_commands_from_create_to_done(hub, signed_in):  # noqa: F811
    made = json.loads(ok(run_cli("agent", "register", "tasker", "--json", config=signed_in)))
    task = json.loads(ok(run_cli("task", "create", "Rotate the logs", "--priority", "high", "--channel", "general",
                                 "--due", "2027-01-31", "--json", config=signed_in)))
    assert (task["priority"], task["due_date"]) == ("high", "2027-01-31T00:00:00.000Z")
    listed = ok(run_cli("task", "list", "--claimable", config=signed_in))
    assert task["id"] in listed and "Rotate the logs" in listed

    claimed = ok(run_cli("--agent", "tasker", "task", "claim", "--lease", "60", config=signed_in))
    assert claimed.startswith(f"Claimed {task['id']}") and "in_progress" in claimed
    ok(run_cli("agent", "register", "rival", config=signed_in))
    failed(run_cli("--agent", "rival", "task", "claim", task["id"], config=signed_in), "TASK_CLAIMED")
    released = ok(run_cli("--agent", "tasker", "task", "release", task["id"], config=signed_in))
    assert released.startswith("Released") and "[open" in released
    failed(run_cli("--agent", "tasker", "task", "release", task["id"], config=signed_in), "NOT_CLAIMED")

    ok(run_cli("--agent", "tasker", "task", "claim", task["id"], config=signed_in))
    done = ok(run_cli("--agent", "tasker", "task", "done", task["id"], config=signed_in))
    assert "[completed" in done
    got = json.loads(ok(run_cli("task", "get", task["id"], "--json", config=signed_in)))
    assert got["completed_at"] and got["assigned_to"] == made["agent"]["id"] and got["claim_count"] == 2
    updated = json.loads(ok(run_cli("task", "update", task["id"], "--status", "open", "--assign", "none",
                                    "--due", "none", "--json", config=signed_in)))
    assert (updated["status"], updated["assigned_to"], updated["due_date"], updated["completed_at"]) == (
        "open", None, None, None)
    assert "No task to claim" in ok(run_cli("--agent", "tasker", "task", "claim", "--priority", "urgent",
                                            config=signed_in))


def test_search_finds_tasks_and_the_inbox_shows_an_assignment(hub, signed_in):  # noqa: F811
    made = json.loads(ok(run_cli("agent", "register", "keeper", "--json", config=signed_in)))
    task = json.loads(ok(run_cli("task", "create", "Renew the certificates", "--assign", made["agent"]["id"],
                                 "--json", config=signed_in)))
    found = ok(run_cli("search", "certificate", "--types", "tasks", config=signed_in))
    assert "tasks:" in found and task["id"] in found and "Renew the certificates" in found and "open" in found
    inbox = ok(run_cli("--agent", "keeper", "inbox", config=signed_in))
    assert "assigned you a task: Renew the certificates" in inbox
