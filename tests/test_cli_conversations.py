"""`agenthq reply`, `thread`, `inbox`, `read`, and replies in `tail`, run as subprocesses
against a hub process, as a user would."""

import json

import pytest

from agenthq.client import SyncClient
from tests.support import HubProcess
from tests.test_cli import PASSWORD, ok, run_cli, start_tail, stop


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-conv-hub")
    with HubProcess(folder / "hub.db", log=folder / "hub.log") as running:
        with SyncClient(running.url) as owner:
            owner.register("Conv Org", "conv-org", "owner@conv.test", PASSWORD, "Olive Owner")
        yield running


@pytest.fixture
def signed_in(hub, tmp_path):
    config = tmp_path / "agenthq" / "config.json"
    ok(run_cli("login", "--email", "owner@conv.test", "--password", PASSWORD, config=config, url=hub.url))
    return config


def test_reply_and_thread(hub, signed_in):
    with SyncClient(hub.url) as owner:
        owner.login("owner@conv.test", PASSWORD)
        root = owner.create_post(owner.channel_id("general"), "Which region?", type="question")
    first = json.loads(ok(run_cli("reply", root["id"], "eu-west", "--json", config=signed_in)))
    assert first["parent_id"] == root["id"] and first["root_id"] == root["id"]
    out = ok(run_cli("reply", first["id"], config=signed_in, input="agreed\n"))
    assert out.startswith("Replied ") and root["id"] in out
    lines = ok(run_cli("thread", first["id"], config=signed_in)).splitlines()
    assert len(lines) == 3
    assert "Which region?" in lines[0] and not lines[0].startswith(" ")
    assert lines[1].startswith("    ") and "eu-west" in lines[1] and not lines[1].startswith("        ")
    assert lines[2].startswith("        ") and "agreed" in lines[2]


def test_inbox_and_read(hub, signed_in):
    with SyncClient(hub.url) as owner:
        owner.login("owner@conv.test", PASSWORD)
        made = owner.register_agent("pinger")
    with SyncClient(hub.url, api_key=made["apiKey"]) as agent:
        agent.create_post(agent.channel_id("alerts"), '@"Olive Owner" disk is at 91%', type="alert")
    inbox = json.loads(ok(run_cli("inbox", "--json", config=signed_in)))
    alerts = [c for c in inbox["channels"] if c["name"] == "alerts"][0]
    assert alerts["unread_count"] == 1 and alerts["mention_count"] == 1
    assert [n["type"] for n in inbox["notifications"]] == ["mention"]
    text = ok(run_cli("inbox", config=signed_in))
    assert "#alerts" in text and "pinger mentioned you in #alerts" in text
    out = ok(run_cli("read", "#alerts", config=signed_in))
    assert out.startswith("#alerts read up to") and "0 unread, 0 mentions left" in out
    inbox = json.loads(ok(run_cli("inbox", "--json", config=signed_in)))
    assert not [c for c in inbox["channels"] if c["name"] == "alerts"] and inbox["notifications"] == []


def test_tail_indents_replies(hub, signed_in):
    process, out, err = start_tail(signed_in, "--channel", "general")
    try:
        err.wait(lambda line: "listening on #general" in line)
        with SyncClient(hub.url) as other:
            other.login("owner@conv.test", PASSWORD)
            root = other.create_post(other.channel_id("general"), "tail root")
            other.reply(root["id"], "tail answer")
        top = out.wait(lambda line: "tail root" in line)
        answer = out.wait(lambda line: "tail answer" in line)
        assert not top.startswith(" ")
        assert answer.startswith("    ↳ re " + root["id"][-6:])
    finally:
        stop(process)
