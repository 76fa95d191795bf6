"""`agenthq connect`, `agenthq invite agent` and `agenthq webhook ...`, run as a user would:
subprocesses against a hub process, with a real HTTP receiver for the webhook."""

import http.server
import json
import threading

import pytest

from agenthq.client import SyncClient
from agenthq.client.webhooks import verify_signature
from tests.support import HubProcess
from tests.test_cli import PASSWORD, ok, run_cli


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli-integrations-hub")
    with HubProcess(folder / "hub.db", log=folder / "hub.log", env={"AGENTHQ_WEBHOOK_ALLOW_PRIVATE": "1"}) as running:
        with SyncClient(running.url) as owner:
            owner.register("Int Org", "int-org", "owner@int.test", PASSWORD, "Ivy Owner")
        yield running


@pytest.fixture
def receiver():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/in", received
    server.shutdown()


def test_invite_then_connect_saves_a_working_profile(hub, tmp_path):
    owner = tmp_path / "owner.json"
    ok(run_cli("login", "--email", "owner@int.test", "--password", PASSWORD, config=owner, url=hub.url))
    made = json.loads(ok(run_cli("invite", "agent", "--json", config=owner)))
    assert "agenthq connect" in ok(run_cli("invite", "agent", config=owner))
    agent_config = tmp_path / "agent.json"
    out = ok(run_cli("connect", made["url"], "--name", "ci-runner", config=agent_config))
    assert "ci-runner" in out
    saved = json.loads(agent_config.read_text())
    assert saved["url"] == hub.url and saved["api_key"].startswith("ahq_")
    me = json.loads(ok(run_cli("whoami", "--json", config=agent_config)))
    assert me["type"] == "agent" and me["agent"]["name"] == "ci-runner"
    again = run_cli("connect", made["url"], config=tmp_path / "third.json")
    assert again.returncode == 1 and "TOKEN_ALREADY_USED" in again.stderr


def test_webhook_add_list_test_deliveries(hub, tmp_path, receiver):
    url, received = receiver
    owner = tmp_path / "owner.json"
    ok(run_cli("login", "--email", "owner@int.test", "--password", PASSWORD, config=owner, url=hub.url))
    made = json.loads(ok(run_cli("webhook", "add", url, "--event", "post.created", "--json", config=owner)))
    assert made["secret"].startswith("whsec_")
    assert made["id"] in ok(run_cli("webhook", "list", config=owner))
    assert "Delivered: HTTP 200" in ok(run_cli("webhook", "test", made["id"], config=owner))
    headers, body = received[-1]
    assert verify_signature(made["secret"], body, headers["X-AgentHQ-Signature"])
    rows = json.loads(ok(run_cli("webhook", "deliveries", made["id"], "--json", config=owner)))
    assert rows[0]["event"] == "test" and rows[0]["status"] == "delivered"
