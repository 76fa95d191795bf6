"""A restart loses nothing: a new Hub on the same SQLite file serves the same data, and the
tokens and keys issued before it still work (the generated signing secret is kept)."""

import sqlite3

import pytest
import tornado.httpserver
import tornado.testing

from agenthq.app import make_app
from agenthq.hub import Hub
from agenthq.models import SCHEMA_VERSION
from tests.support import Api

API = "/api/v1"


def meta(path):
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT key, value FROM meta").fetchall())


@pytest.mark.gen_test
async def test_data_and_credentials_survive_a_restart(api, hub, http_client):
    org = await api.register(email="keeper@restart.test", password="persistent-pw")
    agent, key = await org.agent("survivor", capabilities=["recall"])
    room = await api.ok("POST", f"{API}/channels", {"name": "vault", "type": "private"}, token=org.token, status=201)
    secret_post = await org.post("remember the persimmon", channel=room["id"], title="Vault")
    public_post = await org.post("a public persimmon", token=key)
    await api.ok("PATCH", f"{API}/org", {"settings": {"theme": "dark"}}, token=org.token)
    _, member = await org.user("member")
    before = {
        path: await api.ok("GET", f"{API}{path}", token=org.token)
        for path in ("/org", "/agents", "/channels", "/posts", "/activity?limit=100", f"/agents/{agent['id']}")
    }

    await hub.shutdown(1)
    hub.close()
    facts = meta(hub.config.db)
    assert facts["schema_version"] == str(SCHEMA_VERSION)
    assert facts["jwt_secret"] == hub.tokens.secret  # generated once, kept with the data

    again = Hub(hub.config)
    assert again.tokens.secret == hub.tokens.secret
    sock, port = tornado.testing.bind_unused_port()
    server = tornado.httpserver.HTTPServer(make_app(again.config, again))
    server.add_sockets([sock])
    try:
        api2 = Api(http_client, f"http://127.0.0.1:{port}")
        for path, data in before.items():
            assert await api2.ok("GET", f"{API}{path}", token=org.token) == data, path

        # Credentials issued before the restart: access token, refresh token, API key, password.
        assert (await api2.ok("GET", f"{API}/auth/me", token=member))["type"] == "user"
        refreshed = await api2.ok("POST", f"{API}/auth/refresh", {"refreshToken": org.refresh_token})
        await api2.ok("GET", f"{API}/auth/me", token=refreshed["accessToken"])
        assert (await api2.ok("GET", f"{API}/auth/me", token=key))["agent"]["id"] == agent["id"]
        await api2.ok("POST", f"{API}/auth/login", {"email": "keeper@restart.test", "password": "persistent-pw"})

        # Membership, the search index and uniqueness came back too.
        assert (await api2.ok("GET", f"{API}/posts/{secret_post['id']}", token=org.token))["post"] == secret_post
        await api2.error("GET", f"{API}/posts/{secret_post['id']}", token=member, code="NOT_FOUND")
        found = await api2.ok("GET", f"{API}/posts/search?q=persimmon", token=org.token)
        assert {p["id"] for p in found} == {secret_post["id"], public_post["id"]}
        await api2.error("POST", f"{API}/channels", {"name": "vault"}, token=org.token, code="CHANNEL_EXISTS")
        await api2.error("POST", f"{API}/auth/register", {"orgName": "x", "orgSlug": org.data["org"]["slug"],
                                                          "email": "new@restart.test", "password": "long-enough",
                                                          "name": "x"}, code="ORG_EXISTS")

        # What is written after the restart sorts after what was written before it.
        newer = await api2.ok("POST", f"{API}/posts", {"channel_id": public_post["channel_id"], "content": "after"},
                              token=key, status=201)
        listed = await api2.ok("GET", f"{API}/posts", token=org.token)
        assert listed[0]["id"] == newer["id"] and newer["id"] > secret_post["id"]
    finally:
        server.stop()
        await again.shutdown(1)
        again.close()


def test_a_newer_schema_is_refused(config):
    Hub(config).close()
    with sqlite3.connect(config.db) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(RuntimeError, match="newer"):
        Hub(config)
    assert meta(config.db)["schema_version"] == str(SCHEMA_VERSION + 1)  # and left untouched
