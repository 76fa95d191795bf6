"""No secret in any log line, error body or event: a full flow (sign-up, sign-in, refresh,
agent keys, rotation, sockets authenticated by query string and by message, posts, failed
sign-ins, bad tokens, a read-only database) with every logger at DEBUG, then every log line,
every error body, every WebSocket frame, the event log and the activity log are searched for
the password, the tokens, the API keys, their hashes and the signing secret."""

import logging

import pytest

from agenthq.models import Agent, Event, User, database
from tests.support import HubProcess, rest_call

API = "/api/v1"
PASSWORD = "correct-horse-battery-staple"


class Recorder:
    """Wraps the Api client: keeps every error body it receives."""

    def __init__(self, api):
        self.api, self.error_bodies = api, []

    async def call(self, *args, **kw):
        status, payload = await self.api.call(*args, **kw)
        if status >= 400:
            self.error_bodies.append(repr(payload))
        return status, payload


def secret_forms(secret):
    """The secret, and for keys and tokens the part that alone would let someone in."""
    forms = {secret}
    if secret.startswith("ahq_"):
        forms.add(secret[16:])  # past the lookup prefix: the secret part of the key
    elif secret.count(".") == 2:
        forms.add(secret.split(".")[2])  # a JWT's signature
    return forms


@pytest.mark.gen_test(timeout=60)
async def test_full_flow_leaks_no_secret(api, hub, ws_connect, caplog):
    caplog.set_level(logging.DEBUG)
    rec = Recorder(api)
    secrets = {PASSWORD, hub.tokens.secret}

    org = await api.register(password=PASSWORD)
    secrets |= {org.token, org.refresh_token}
    login = await api.ok("POST", f"{API}/auth/login", {"email": org.owner["email"], "password": PASSWORD})
    refreshed = await api.ok("POST", f"{API}/auth/refresh", {"refreshToken": login["refreshToken"]})
    secrets |= {login["accessToken"], login["refreshToken"], refreshed["accessToken"]}
    agent, key = await org.agent("scout")
    secrets.add(key)

    watcher = await ws_connect(token=org.token)  # the token in the query string
    await watcher.expect("connected")
    general = await org.channel_id()
    await watcher.send({"type": "subscribe", "channel": general})
    await watcher.expect("subscribed")
    by_message = await ws_connect()  # the token in the first message
    await by_message.send({"type": "auth", "token": key})
    await by_message.expect("connected")

    await org.post("hello", token=key)
    await api.ok("PATCH", f"{API}/agents/{agent['id']}", {"description": "busy"}, token=key)
    new_key = (await api.ok("POST", f"{API}/agents/{agent['id']}/rotate-key", token=org.token))["apiKey"]
    secrets.add(new_key)
    await org.post("after rotation", token=new_key)

    # Failures: each must say what failed, never with what.
    await rec.call("POST", f"{API}/auth/login", {"email": org.owner["email"], "password": PASSWORD + "x"})
    await rec.call("POST", f"{API}/auth/login", {"email": "nobody@x.test", "password": PASSWORD})
    await rec.call("POST", f"{API}/auth/register", {"orgName": "B", "orgSlug": "b", "email": "b@b.test",
                                                    "password": "short", "name": "B"})
    await rec.call("POST", f"{API}/auth/refresh", {"refreshToken": org.token})
    await rec.call("GET", f"{API}/auth/me", token=key)  # the rotated-away key
    await rec.call("GET", f"{API}/auth/me", token=org.token[:-3] + "abc")
    await rec.call("GET", f"{API}/auth/me", headers={"Authorization": f"Basic {org.token}"})
    await rec.call("GET", f"{API}/agents?limit={PASSWORD}", token=org.token)
    refused = await ws_connect(token=login["refreshToken"])
    await refused.closed()
    # The database goes read-only for a moment: the 503 and its log line name no secret.
    await hub.storage.write(lambda: database.execute_sql("PRAGMA query_only = ON"))
    await rec.call("POST", f"{API}/posts", {"channel_id": general, "content": PASSWORD}, token=org.token)
    await hub.storage.write(lambda: database.execute_sql("PRAGMA query_only = OFF"))
    await rec.call("POST", f"{API}/auth/agents/register", {"name": "x"}, token=new_key)  # agents cannot

    frames = [repr(f) for ws in (watcher, by_message, refused) for f in ws.frames]
    for ws in (watcher, by_message):  # whatever is still queued: every frame up to a heartbeat's answer
        await ws.send({"type": "heartbeat"})
        while (frame := await ws.recv()) is not None and frame["type"] != "heartbeat_ack":
            frames.append(repr(frame))
    activity = repr(await api.ok("GET", f"{API}/activity?limit=100", token=org.token))
    events = repr([row.data for row in Event.select()])
    hashes = {row.key_hash for row in Agent.select()} | {row.password_hash for row in User.select()}

    assert len(caplog.records) > 20 and len(rec.error_bodies) >= 9 and len(frames) > 5
    places = {"log": caplog.text, "error bodies": "\n".join(rec.error_bodies), "frames": "\n".join(frames),
              "activity": activity, "events": events}
    for where, text in places.items():
        for secret in secrets | hashes:
            for form in secret_forms(secret):
                assert form not in text, f"a secret ({form[:6]}...) appears in the {where}"
    assert "?token=" not in caplog.text and "token=" not in caplog.text


def test_the_real_server_logs_no_secret(tmp_path):
    """The same for `python run.py` at DEBUG, whose logging set-up is its own."""
    import json

    from websockets.sync.client import connect

    with HubProcess(tmp_path / "logs.db", env={"AGENTHQ_LOG_LEVEL": "DEBUG"}) as hub:
        data = rest_call(hub.url, "POST", f"{API}/auth/register", {"orgName": "L", "orgSlug": "logs",
                         "email": "o@logs.test", "password": PASSWORD, "name": "O"})[1]["data"]
        token = data["accessToken"]
        key = rest_call(hub.url, "POST", f"{API}/auth/agents/register", {"name": "a"}, token)[1]["data"]["apiKey"]
        rest_call(hub.url, "POST", f"{API}/auth/login", {"email": "o@logs.test", "password": PASSWORD + "!"})
        rest_call(hub.url, "GET", f"{API}/auth/me?token={token}", token=key[:-1] + "x")
        with connect(f"ws://127.0.0.1:{hub.port}/ws?token={key}", open_timeout=10) as ws:
            ws.recv(timeout=10)
            ws.send(json.dumps({"type": "heartbeat"}))
            ws.recv(timeout=10)
        with connect(f"ws://127.0.0.1:{hub.port}/ws?token={data['refreshToken']}", open_timeout=10) as ws:
            ws.recv(timeout=10)
        secret = __import__("sqlite3").connect(hub.db).execute(
            "SELECT value FROM meta WHERE key = 'jwt_secret'").fetchone()[0]
    log = hub.log_path.read_text()
    assert "GET /api/v1/auth/me" in log and "/ws" in log  # DEBUG really logged the requests
    for value in (PASSWORD, token, data["refreshToken"], key, secret):
        for form in secret_forms(value):
            assert form not in log, f"a secret ({form[:6]}...) appears in the server log"
