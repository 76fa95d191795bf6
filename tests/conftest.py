"""Every test talks to a real hub: a real Tornado server on a free port (pytest-tornado's
http_server), a real SQLite file in a temp folder, real HTTP and WebSocket clients.

AGENTHQ_TEST_DB=postgres runs the same tests on a fresh PostgreSQL database each (made from a
template in a throwaway cluster started once per session)."""

import dataclasses
import os

import pytest

from agenthq.app import make_app
from agenthq.config import Config
from agenthq.httplimits import make_server
from agenthq.hub import Hub
from tests.support import TEST_PASSWORD_COST, Api, Postgres, Redis, WsClient

ON_POSTGRES = os.environ.get("AGENTHQ_TEST_DB", "sqlite") == "postgres"

# Every password hash of the suite at a cost of 16 instead of 16,384 (a test that needs the
# real cost sets it back): hubs made here, and, through the environment, every hub process and
# CLI the tests start. tests/test_passwords.py checks the real default once.
os.environ["AGENTHQ_PASSWORD_COST"] = str(TEST_PASSWORD_COST)


@pytest.fixture(scope="session")
def pg_server():
    server = Postgres().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    server = Redis().start()
    yield server
    server.stop()


@pytest.fixture
def database_url(tmp_path, request):
    """A fresh database for one test: a SQLite file, or a PostgreSQL database."""
    if not ON_POSTGRES:
        yield str(tmp_path / "agenthq.db")
        return
    server = request.getfixturevalue("pg_server")
    name, url = server.fresh_database()
    yield url
    server.drop_database(name)


@pytest.fixture
def config(database_url):
    return Config(db=database_url, port=0, password_cost=TEST_PASSWORD_COST)


@pytest.fixture
def config_overrides():
    """Override in a test module to change settings (e.g. short timeouts)."""
    return {}


@pytest.fixture
def hub(config, config_overrides, io_loop):
    hub = Hub(dataclasses.replace(config, **config_overrides))
    # Started as the server starts it: its upkeep round runs on the test's loop.
    io_loop.run_sync(hub.start)
    yield hub
    # Stop as the server does: sockets closed with 1001, background writes finished.
    io_loop.run_sync(lambda: hub.shutdown(2))
    hub.close()


@pytest.fixture
def app(hub):
    return make_app(hub.config, hub)


@pytest.fixture
def http_server(request, io_loop, _unused_port, app, hub):
    """pytest-tornado's server, but the one the hub runs in production (agenthq.httplimits:
    its timeouts, body caps and connection limits)."""
    server = make_server(app, hub.config)
    server.add_socket(_unused_port[0])
    yield server
    server.stop()
    io_loop.run_sync(server.close_all_connections, timeout=request.config.option.async_test_timeout)


@pytest.fixture
def api(http_client, base_url):
    return Api(http_client, base_url)


@pytest.fixture
def ws_url(http_server, http_port):
    return f"ws://127.0.0.1:{http_port}/ws"


@pytest.fixture
def ws_connect(ws_url):
    """Open a real WebSocket to the hub; every client opened is closed after the test."""
    clients = []

    async def connect(token=None, since=None, headers=None):
        client = await WsClient.open(ws_url, token, since, headers)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()
