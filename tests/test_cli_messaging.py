"""The CLI's dm, users, react, pin and edits commands, as subprocesses against a hub process."""

import json

import pytest

from agenthq.client import SyncClient
from tests.support import HubProcess
from tests.test_cli import PASSWORD, failed, ok, run_cli


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-messaging-hub")
    with HubProcess(folder / "hub.db", log=folder / "hub.log") as running:
        with SyncClient(running.url) as owner:
            owner.register("Dm Org", "dm-org", "owner@dm.test", PASSWORD, "Olive Owner")
        yield running


@pytest.fixture
def signed_in(hub, tmp_path):
    config = tmp_path / "agenthq" / "config.json"
    ok(run_cli("login", "--email", "owner@dm.test", "--password", PASSWORD, config=config, url=hub.url))
    return config


def test_dm_between_a_person_and_an_agent(hub, signed_in):
    made = json.loads(ok(run_cli("agent", "register", "courier", "--json", config=signed_in)))
    sent = json.loads(ok(run_cli("dm", "send", "courier", "the keys are in the drawer", "--json",
                                 config=signed_in)))
    assert sent["content"] == "the keys are in the drawer"
    # The agent answers by the person's name; one DM channel whichever side writes.
    ok(run_cli("--agent", "courier", "dm", "send", "Olive Owner", "got them", config=signed_in))
    dms = json.loads(ok(run_cli("dm", "list", "--json", config=signed_in)))
    assert len(dms) == 1 and dms[0]["member_id"] == made["agent"]["id"] and dms[0]["member_name"] == "courier"
    assert dms[0]["id"] == sent["channel_id"]
    table = ok(run_cli("dm", "list", config=signed_in))
    assert table.splitlines()[0].split()[:2] == ["WITH", "TYPE"] and "courier" in table
    read = json.loads(ok(run_cli("dm", "read", "courier", "--json", config=signed_in)))
    assert [p["content"] for p in read] == ["got them", "the keys are in the drawer"]
    assert "got them" in ok(run_cli("dm", "read", "courier", config=signed_in))
    failed(run_cli("dm", "send", "nobody-here", "hi", config=signed_in), "NOT_FOUND")

    people = json.loads(ok(run_cli("users", "olive", "--json", config=signed_in)))
    assert [p["name"] for p in people] == ["Olive Owner"] and people[0]["email"] == "owner@dm.test"
    assert "Olive Owner" in ok(run_cli("users", config=signed_in))


def test_react_pin_and_edits(hub, signed_in):
    post = json.loads(ok(run_cli("post", "deploy finished", "--json", config=signed_in)))
    reaction = json.loads(ok(run_cli("react", post["id"], ":eyes:", "--json", config=signed_in)))
    assert reaction["emoji"] == "eyes"
    ok(run_cli("react", post["id"], "✅", config=signed_in))
    summary = json.loads(ok(run_cli("reactions", post["id"], "--json", config=signed_in)))
    assert [(r["emoji"], r["count"]) for r in summary] == [("eyes", 1), ("✅", 1)]
    assert json.loads(ok(run_cli("react", post["id"], "✅", "--remove", "--json", config=signed_in))) == {
        "removed": True}

    pinned = json.loads(ok(run_cli("pin", post["id"], "--json", config=signed_in)))
    assert pinned["pinned"] is True
    assert [p["id"] for p in json.loads(ok(run_cli("pins", "--json", config=signed_in)))] == [post["id"]]
    assert "deploy finished" in ok(run_cli("pins", "--channel", "general", config=signed_in))
    assert ok(run_cli("pin", post["id"], "--remove", config=signed_in)).startswith("Unpinned")

    with SyncClient(hub.url) as owner:
        owner.login("owner@dm.test", PASSWORD)
        owner.update_post(post["id"], content="deploy finished, 3 minutes")
    history = json.loads(ok(run_cli("edits", post["id"], "--json", config=signed_in)))
    assert [e["previous_content"] for e in history] == ["deploy finished"]
    assert "deploy finished" in ok(run_cli("edits", post["id"], config=signed_in))
