"""GET /search (§15): the original's shape over posts, agents, channels (insights, tasks),
agents by stemmed full text, operators on posts only, private channels unseen."""

from urllib.parse import quote

import pytest

API = "/api/v1"


async def unified(api, token, q, extra=""):
    _, body = await api.call("GET", f"{API}/search?q={quote(q)}{extra}", token=token, expect=200)
    return body


def ids(items):
    return [item["id"] for item in items]


@pytest.mark.gen_test(timeout=60)
async def test_shape_and_each_kind(api):
    org = await api.register()
    billing, _ = await org.agent("Ledger", description="Reconciles invoices nightly", capabilities=["billing"])
    await org.agent("Scout", description="Watches the deploys")
    channel = await api.ok("POST", f"{API}/channels", {"name": "billing-ops", "description": "Invoices and refunds"},
                           token=org.token, status=201)
    post = await org.post("invoice reconciliation finished", channel="billing-ops")
    reply = await org.post("invoices look right", parent_id=post["id"])

    body = await unified(api, org.token, "invoices")
    assert body["success"] is True and set(body["data"]) == {"posts", "insights", "agents", "channels", "tasks"}
    assert ids(body["data"]["agents"]) == [billing["id"]]  # "invoices" stems to what "invoices" in its description does
    assert ids(body["data"]["channels"]) == [channel["id"]]
    assert ids(body["data"]["posts"]) == [post["id"]]  # replies only with include_replies
    assert body["data"]["insights"] == [] and body["data"]["tasks"] == []
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 3, "hasMore": False,
                                  "counts": {"posts": 1, "insights": 0, "agents": 1, "channels": 1, "tasks": 0}}

    with_replies = await unified(api, org.token, "invoices", "&include_replies=true")
    assert set(ids(with_replies["data"]["posts"])) == {post["id"], reply["id"]}
    # capabilities are words too, stemmed; and types narrows the kinds
    only = await unified(api, org.token, "bill", "&types=agents,bogus")
    assert ids(only["data"]["agents"]) == [billing["id"]] and only["data"]["posts"] == []
    assert only["pagination"]["counts"]["channels"] == 0
    none = await unified(api, org.token, "invoices", "&types=bogus")
    assert none["pagination"]["total"] == 0
    # an agent's edits are followed by the index
    await api.ok("PATCH", f"{API}/agents/{billing['id']}", {"description": "Pays salaries"}, token=org.token)
    assert (await unified(api, org.token, "salary", "&types=agents"))["pagination"]["counts"]["agents"] == 1
    assert (await unified(api, org.token, "reconciles", "&types=agents"))["pagination"]["counts"]["agents"] == 0


@pytest.mark.gen_test(timeout=60)
async def test_operators_filter_posts_only_and_paging(api):
    org = await api.register()
    scout, key = await org.agent("Scout", description="scout of alerts")
    for i in range(3):
        await org.post(f"number {i}", channel="alerts", token=key)
    body = await unified(api, org.token, "from:scout", "&limit=2")
    assert len(body["data"]["posts"]) == 2 and body["data"]["agents"] == [] and body["data"]["channels"] == []
    assert body["pagination"]["counts"]["posts"] == 3 and body["pagination"]["hasMore"] is True
    body = await unified(api, org.token, "in:alerts alerts")
    assert body["pagination"]["counts"] == {"posts": 0, "insights": 0, "agents": 1, "channels": 1, "tasks": 0}
    assert body["data"]["channels"][0]["name"] == "alerts"


@pytest.mark.gen_test(timeout=60)
async def test_private_channels_unseen_and_bad_queries(api):
    org = await api.register()
    secret = await api.ok("POST", f"{API}/channels", {"name": "payroll-secret", "type": "private"},
                          token=org.token, status=201)
    await org.post("payroll numbers", channel=secret["id"])
    _, key = await org.agent("reader")
    body = await unified(api, key, "payroll")
    assert body["pagination"]["total"] == 0
    assert (await unified(api, org.token, "payroll"))["pagination"]["counts"]["channels"] == 1
    for q in ("", " "):
        error = await api.error("GET", f"{API}/search?q={quote(q)}", token=org.token, code="VALIDATION_ERROR")
        assert error["field"] == "q"
    await api.error("GET", f"{API}/search?q=x&include_replies=maybe", token=org.token, code="VALIDATION_ERROR")
    await api.error("GET", f"{API}/search?q={quote('before:soon x')}", token=org.token, code="VALIDATION_ERROR")
    for q in ('"', "NEAR(", "*", "-x", "^y", 'from:"x', "a" * 500):
        status, _ = await api.call("GET", f"{API}/search?q={quote(q)}", token=org.token)
        assert status == 200, q
    await api.error("GET", f"{API}/search?q=x", code="UNAUTHORIZED", status=401)


def test_a_database_of_the_previous_schema_indexes_its_agents_on_start(tmp_path):
    import sqlite3

    from agenthq.models import MIGRATIONS, SCHEMA_VERSION, open_database

    before = next(version for version, step in MIGRATIONS.items() if step.__name__ == "_index_agents")
    path = str(tmp_path / "old.db")
    open_database(path).close()
    with sqlite3.connect(path) as db:  # as a hub before agents had an index: an agent, no agent_fts
        for name in ("agent_fts_insert", "agent_fts_delete", "agent_fts_update"):
            db.execute(f"DROP TRIGGER {name}")
        db.execute("DROP TABLE agent_fts")
        db.execute("INSERT INTO agent (id, org_id, name, description, status, capabilities, metadata, key_prefix, "
                   "key_hash, created_at, updated_at) VALUES ('01M8NB6Q5MNHJ9R0D4TJ1JDZVC', 'o', 'Ledger', "
                   "'Reconciles invoices', 'offline', '[\"billing\"]', '{}', 'p', 'h', 't', 't')")
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(before),))
    open_database(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT rowid FROM agent_fts WHERE agent_fts MATCH 'invoice billing'").fetchall()
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == str(SCHEMA_VERSION)


@pytest.mark.gen_test(timeout=60)
async def test_tasks_by_their_words_only_where_the_caller_can_see_them(api):
    org = await api.register()
    _, key = await org.agent("planner")
    secret = await api.ok("POST", f"{API}/channels", {"name": "hush", "type": "private"}, token=org.token, status=201)
    loose = await api.ok("POST", f"{API}/tasks", {"title": "Rotate the billing keys", "description": "before Friday"},
                         token=key, status=201)
    general = await api.ok("POST", f"{API}/tasks", {"title": "Archive invoices", "description": "billing_2025 too",
                                                    "channel": "general"}, token=key, status=201)
    hidden = await api.ok("POST", f"{API}/tasks", {"title": "Billing audit", "channel_id": secret["id"]},
                          token=org.token, status=201)
    await api.ok("POST", f"{API}/tasks", {"title": "Unrelated chore"}, token=key, status=201)

    mine = await unified(api, org.token, "bill")  # the start of a word; newest first
    assert ids(mine["data"]["tasks"]) == [hidden["id"], general["id"], loose["id"]]
    assert mine["pagination"]["counts"]["tasks"] == 3
    theirs = await unified(api, key, "billing", "&types=tasks&limit=1")  # not a member of #hush
    assert ids(theirs["data"]["tasks"]) == [general["id"]] and theirs["pagination"]["hasMore"] is True
    assert (await unified(api, key, "rotate friday", "&types=tasks"))["pagination"]["counts"]["tasks"] == 1
    assert (await unified(api, key, "rotate monday", "&types=tasks"))["pagination"]["counts"]["tasks"] == 0
    assert (await unified(api, key, "%", "&types=tasks"))["pagination"]["counts"]["tasks"] == 0
    assert (await unified(api, key, "from:planner", "&types=tasks"))["data"]["tasks"] == []  # operators: posts only
