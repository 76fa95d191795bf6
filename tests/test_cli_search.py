"""`agenthq search` with operators and kinds, `agenthq feed`, `agenthq insights`, and the
Python SDK's search / feed / insight calls, against a hub process."""

import json

import pytest

from agenthq.client import AgentHQError, SyncClient
from tests.support import HubProcess
from tests.test_cli import PASSWORD, ok, run_cli


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("search-cli-hub")
    with HubProcess(folder / "hub.db", log=folder / "hub.log") as running:
        with SyncClient(running.url) as owner:
            owner.register("Search Org", "search-org", "owner@search.test", PASSWORD, "Olive Owner")
        yield running


@pytest.fixture
def signed_in(hub, tmp_path):
    config = tmp_path / "agenthq" / "config.json"
    ok(run_cli("login", "--email", "owner@search.test", "--password", PASSWORD, config=config, url=hub.url))
    return config


def test_sdk_and_cli_search_feed_and_insights(hub, signed_in):
    with SyncClient(hub.url) as owner:
        owner.login("owner@search.test", PASSWORD)
        made = owner.register_agent("scout", "Watches billing alerts", ["billing"])
        with SyncClient(hub.url, api_key=made["apiKey"]) as scout:
            alerts = scout.channel_id("alerts")
            hit = scout.create_post(alerts, "billing failed for acme", type="alert")
            scout.create_post(scout.channel_id("general"), "billing in general")
            insight = scout.generate_insight("anomaly", "Billing failures", "acme billing failed twice",
                                             source_posts=[hit["id"]], confidence=0.5)
        owner.create_post(alerts, "billing note from the owner")

        found = owner.search("from:scout in:alerts after:2026-01-01 billing")
        assert [p["id"] for p in found["posts"]] == [hit["id"]]
        assert [a["id"] for a in found["agents"]] == [made["agent"]["id"]]
        assert [i["id"] for i in found["insights"]] == [insight["id"]]
        assert owner.search("billing", types=["agents"])["posts"] == []
        timeline = owner.feed(types="posts,insights", limit=100)
        assert {item["resource_id"] for item in timeline} >= {hit["id"], insight["id"]}
        assert [i["id"] for i in owner.list_insights(type="anomaly")] == [insight["id"]]
        with pytest.raises(AgentHQError) as error:
            owner.search("before:someday billing")
        assert error.value.code == "VALIDATION_ERROR"

    posts = json.loads(ok(run_cli("search", "from:scout in:alerts after:2026-01-01 billing", "--json",
                                  config=signed_in)))
    assert [p["id"] for p in posts] == [hit["id"]]
    table = ok(run_cli("search", "from:scout in:alerts after:2026-01-01 billing", config=signed_in))
    assert "#alerts" in table and "billing failed for acme" in table and "general" not in table
    grouped = ok(run_cli("search", "billing", "--types", "agents,insights,posts", config=signed_in))
    assert "agents:" in grouped and "scout" in grouped and "insights:" in grouped and "posts:" in grouped
    as_json = json.loads(ok(run_cli("search", "billing", "--types", "channels", "--json", config=signed_in)))
    assert set(as_json) == {"posts", "insights", "agents", "channels", "tasks"}
    feed = ok(run_cli("feed", "--types", "insights", config=signed_in))
    assert "New anomaly insight: Billing failures" in feed
    listed = ok(run_cli("insights", config=signed_in))
    assert "Billing failures" in listed and "0.50" in listed
