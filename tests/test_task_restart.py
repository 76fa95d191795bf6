"""Leases live in the database, not in a timer: a hub killed with SIGKILL while leases are
held, then restarted on the same file, sweeps the leases that ran out (task.expired, in the
log for a resuming client) and keeps the live ones as they were."""

import asyncio
import json

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

from tests.support import HubProcess

ENV = {"AGENTHQ_TASK_SWEEP_INTERVAL": "0.2"}


async def call(base, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = HTTPRequest(base + "/api/v1" + path, method=method, headers=headers,
                          body=json.dumps(body if body is not None else {}) if method != "GET" else None)
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    payload = json.loads(response.body)
    assert payload["success"], (path, payload)
    return payload["data"]


async def before_the_crash(base):
    org = await call(base, "POST", "/auth/register", {"orgName": "Crash", "orgSlug": "crash", "email": "o@crash.test",
                                                      "password": "crash-pass", "name": "Owner"})
    token = org["accessToken"]
    key = (await call(base, "POST", "/auth/agents/register", {"name": "worker"}, token))["apiKey"]
    short = await call(base, "POST", "/tasks", {"title": "short"}, token)
    long = await call(base, "POST", "/tasks", {"title": "long"}, token)
    await call(base, "POST", f"/tasks/{short['id']}/claim", {"lease_seconds": 10}, key)
    held = await call(base, "POST", f"/tasks/{long['id']}/claim", {"lease_seconds": 3600}, key)
    return token, short, held


async def after_the_restart(base, token, short, held):
    ws = await websocket_connect(base.replace("http", "ws") + f"/ws?token={token}&since=0")
    try:
        while True:  # the replay, then live events: the sweep's task.expired comes either way
            frame = json.loads(await asyncio.wait_for(ws.read_message(), 30))
            if frame["type"] == "task.expired":
                break
        assert frame["data"]["id"] == short["id"] and frame["data"]["status"] == "open"
    finally:
        ws.close()
    kept = await call(base, "GET", f"/tasks/{held['id']}", token=token)
    assert kept["status"] == "in_progress" and kept["lease_expires_at"] == held["lease_expires_at"]
    assert (await call(base, "GET", f"/tasks/{short['id']}", token=token))["assigned_to"] is None


def test_leases_survive_a_sigkill(tmp_path):
    db = tmp_path / "tasks.db"
    # The first hub never sweeps, so whatever expired was swept by the second.
    hub = HubProcess(db, env={**ENV, "AGENTHQ_TASK_SWEEP_INTERVAL": "3600"}).start()
    try:
        token, short, held = asyncio.run(before_the_crash(hub.url))
    finally:
        hub.process.kill()  # SIGKILL: no shutdown, no last sweep
        hub.process.wait()
        hub.stop()
    with HubProcess(db, env=ENV) as again:
        asyncio.run(after_the_restart(again.url, token, short, held))
