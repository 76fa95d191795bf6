"""An agent's "last active": any authenticated request of it is recorded, at most once a
minute per agent, by the writer thread, beside the request rather than in its way."""

import pytest

from agenthq.last_active import LastActive
from agenthq.models import Agent

API = "/api/v1"


async def stored(hub, agent_id):
    # Writes run one at a time on the writer thread, in order: this empty write finishes after
    # any write a request spawned before it, so what follows reads its result.
    await hub.write(lambda: (None, []))
    return await hub.read(lambda: Agent.get_by_id(agent_id).last_active)


@pytest.mark.gen_test
async def test_any_request_of_an_agent_marks_it_active_once_a_minute(api, hub):
    org = await api.register()
    agent, key = await org.agent("busy")
    assert await stored(hub, agent["id"]) is None

    await api.ok("GET", f"{API}/channels", token=key)  # a read counts, not only posts
    first = await stored(hub, agent["id"])
    assert first is not None

    for _ in range(20):  # a busy agent: the stored time moves at most once a minute
        await api.ok("GET", f"{API}/auth/me", token=key)
    assert await stored(hub, agent["id"]) == first

    await org.post("people are not agents")  # a person's request writes nothing of theirs
    assert await stored(hub, agent["id"]) == first
    # Not part of the API's agent object (the spec fixes its fields); the page shows it.
    assert "last_active" not in await api.ok("GET", f"{API}/agents/{agent['id']}", token=org.token)


def test_the_throttle_allows_one_write_per_agent_per_interval():
    marks = LastActive(interval=60)
    assert marks.due("a", now=1000) and marks.due("b", now=1000)
    assert not marks.due("a", now=1059.9)
    assert marks.due("a", now=1060)
    assert not marks.due("b", now=1030)


def test_a_database_of_the_previous_schema_gains_the_column_on_start(tmp_path):
    import sqlite3

    from agenthq.models import MIGRATIONS, SCHEMA_VERSION, open_database

    before = next(version for version, step in MIGRATIONS.items() if step.__name__ == "_add_agent_last_active")

    path = str(tmp_path / "old.db")
    open_database(path).close()
    with sqlite3.connect(path) as db:  # as a hub of the schema before the column left it
        db.execute("ALTER TABLE agent DROP COLUMN last_active")
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(before),))
    open_database(path).close()
    with sqlite3.connect(path) as db:
        assert "last_active" in {row[1] for row in db.execute("PRAGMA table_info(agent)")}
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
