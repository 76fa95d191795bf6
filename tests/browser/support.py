"""Helpers for the browser tests, which are synchronous (Playwright's sync API): a tiny REST
client, an agent's WebSocket held open on a background event loop, and a person signing up
through the page itself."""

import asyncio
import itertools
import json
import threading

from tornado.websocket import websocket_connect

from tests.support import rest_call

PASSWORD = "correct-horse-battery"
_numbers = itertools.count(1)


class Rest:
    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, token=None):
        """(status, parsed body) of a real HTTP request to the hub."""
        return rest_call(self.base + "/api/v1", method, path, body, token, timeout=10)

    def ok(self, method, path, body=None, token=None):
        status, payload = self.call(method, path, body, token)
        assert 200 <= status < 300 and payload["success"], (method, path, status, payload)
        return payload["data"]


class Person:
    """Someone who signed up through the page, with a REST token for setting the scene."""

    def __init__(self, rest, email, org_slug):
        self.rest, self.email, self.org_slug = rest, email, org_slug
        login = rest.ok("POST", "/auth/login", {"email": email, "password": PASSWORD})
        self.user, self.token = login["user"], login["accessToken"]
        self.channels = {c["name"]: c for c in rest.ok("GET", "/channels?limit=100", token=self.token)}

    def channel_id(self, name="general"):
        return self.channels[name]["id"]

    def agent(self, name, **extra):
        data = self.rest.ok("POST", "/auth/agents/register", {"name": name, **extra}, token=self.token)
        return data["agent"], data["apiKey"]

    def post(self, content, token=None, channel="general", **extra):
        body = {"channel_id": self.channel_id(channel), "content": content, **extra}
        return self.rest.ok("POST", "/posts", body, token=token or self.token)


def forgive(page, text):
    """Drop the console errors containing text: the browser logs every 4xx document or fetch,
    including the ones a test provokes on purpose."""
    page.errors[:] = [error for error in page.errors if text not in error]


def sign_up(page, base, name="Ada Lovelace", org_name=None):
    """Sign up through the form; return the Person (the page is left on the feed)."""
    n = next(_numbers)
    slug = f"org-{n}-{threading.get_ident() % 1000}"
    email = f"person{n}@{slug}.test"
    page.goto(base + "/signup")
    page.get_by_label("Organization name").fill(org_name or f"Org {n}")
    page.get_by_label("Organization slug").fill(slug)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create organization").click()
    page.wait_for_url(base + "/")
    return Person(Rest(base), email, slug)


class AgentSocket:
    """An agent's open /ws connection. The tests are synchronous, so the socket lives on an
    event loop in a background thread."""

    def __init__(self, base, key):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        url = base.replace("http://", "ws://") + "/ws?token=" + key
        self.conn = self._run(lambda: websocket_connect(url))
        self.connected = json.loads(self._run(lambda: self.conn.read_message()))
        assert self.connected["type"] == "connected", self.connected

    def _run(self, start, timeout=10):
        """Run start() on the socket's loop (Tornado binds futures to the loop that made them)."""

        async def wrapper():
            return await start()

        return asyncio.run_coroutine_threadsafe(wrapper(), self.loop).result(timeout)

    def close(self):
        self.loop.call_soon_threadsafe(self.conn.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
