"""`agenthq connect`, `agenthq invite ...`, `agenthq hook ...` and `agenthq webhook ...`, run as
a user would: subprocesses against a hub process, with a real HTTP receiver for the webhook
and real HTTP posts to the incoming-webhook URLs."""

import http.server
import json
import threading
import urllib.error
import urllib.request

import pytest

from agenthq.client import SyncClient
from agenthq.client.webhooks import verify_signature
from tests.support import HubProcess
from tests.test_cli import PASSWORD, failed, ok, run_cli


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
    assert "deleted" in ok(run_cli("webhook", "delete", made["id"], config=owner))
    assert made["id"] not in ok(run_cli("webhooks", "list", config=owner))
    failed(run_cli("webhook", "delete", made["id"], config=owner), "NOT_FOUND")


def _owner(hub, tmp_path):
    owner = tmp_path / "owner.json"
    ok(run_cli("login", "--email", "owner@int.test", "--password", PASSWORD, config=owner, url=hub.url))
    return owner


def test_invite_user_list_revoke(hub, tmp_path):
    owner = _owner(hub, tmp_path)
    made = json.loads(ok(run_cli("invite", "user", "new.person@int.test", "--role", "admin", "--json", config=owner)))
    assert made["invite"]["role"] == "admin" and "/invite/AHQ-" in made["url"]
    second = ok(run_cli("invite", "user", "second@int.test", config=owner))
    assert "second@int.test as member" in second and f"{hub.url}/invite/AHQ-" in second
    listed = json.loads(ok(run_cli("invite", "list", "--type", "user", "--json", config=owner)))
    assert {i["email"] for i in listed} >= {"new.person@int.test", "second@int.test"}
    assert "new.person@int.test" in ok(run_cli("invite", "list", config=owner))
    assert "revoked" in ok(run_cli("invite", "revoke", made["invite"]["id"], config=owner))
    revoked = json.loads(ok(run_cli("invite", "list", "--status", "revoked", "--json", config=owner)))
    assert made["invite"]["id"] in [i["id"] for i in revoked]
    with SyncClient(hub.url) as anyone:
        assert anyone.get_invite(made["token"])["invite"]["status"] == "revoked"
    # A second pending invite to the same address is refused, as the API says.
    failed(run_cli("invite", "user", "second@int.test", config=owner), "PENDING_INVITE_EXISTS")


def _post_to(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_incoming_hook_create_list_rotate_delete(hub, tmp_path):
    owner = _owner(hub, tmp_path)
    made = json.loads(ok(run_cli("hook", "create", "deploys", "--channel", "general", "--json", config=owner)))
    hook_id, url = made["hook"]["id"], made["url"]
    status, answer = _post_to(url, {"text": "deploy done"})
    assert status == 200 and answer["data"]["content"] == "deploy done"
    assert answer["data"]["author_type"] == "integration"
    listed = ok(run_cli("hooks", "list", config=owner))
    assert hook_id in listed and "deploys" in listed
    rotated = ok(run_cli("hook", "rotate", hook_id, config=owner))
    new_url = next(line for line in rotated.splitlines() if line.startswith("http"))
    assert new_url != url and "curl -d" in rotated
    assert _post_to(url, {"text": "old url"})[0] == 404
    assert _post_to(new_url, {"text": "new url"})[0] == 200
    assert "deleted" in ok(run_cli("hook", "delete", hook_id, config=owner))
    assert _post_to(new_url, {"text": "after delete"})[0] == 404
    assert json.loads(ok(run_cli("hook", "list", "--json", config=owner))) == []
    failed(run_cli("hook", "create", "nowhere", "--channel", "no-such-channel", config=owner), "NOT_FOUND")
