"""REST helpers: an async API client that checks the envelope of every answer (with shortcuts
for an org, its agents, people and posts), and a small synchronous client for hubs in other
processes."""

import itertools
import json
import urllib.error
import urllib.request

from tornado.httpclient import HTTPRequest

_counter = itertools.count(1)

# The scrypt cost of every password the tests make (the real default is 2**14, about 50 ms a
# hash): tests/conftest.py gives it to every hub; tests/test_passwords.py checks the real one.
TEST_PASSWORD_COST = 16


class ApiError(AssertionError):
    pass


class Api:
    def __init__(self, http_client, base_url):
        self.http_client, self.base_url = http_client, base_url

    async def call(self, method, path, body=None, token=None, expect=None, raw_body=None, headers=None):
        """Send a request; check the envelope; return (status, parsed body). With expect, also
        check the status (and, for errors, that the error code is the expected one)."""
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            raw_body = json.dumps(body)
        if raw_body is not None:
            headers.setdefault("Content-Type", "application/json")
        elif method in ("POST", "PATCH", "PUT"):
            raw_body = ""
        request = HTTPRequest(
            self.base_url + path, method=method, headers=headers, body=raw_body,
            allow_nonstandard_methods=True, request_timeout=20,
        )
        response = await self.http_client.fetch(request, raise_error=False)
        payload = json.loads(response.body) if response.body else None
        check_envelope(response.code, payload, path)
        if isinstance(expect, int):
            assert response.code == expect, (method, path, response.code, payload)
        elif isinstance(expect, str):
            assert payload["success"] is False and payload["error"]["code"] == expect, (method, path, payload)
        return response.code, payload

    async def ok(self, method, path, body=None, token=None, status=200):
        code, payload = await self.call(method, path, body, token)
        assert code == status, (method, path, code, payload)
        return payload["data"]

    async def error(self, method, path, body=None, token=None, code=None, status=None, **kw):
        status_code, payload = await self.call(method, path, body, token, **kw)
        assert payload["success"] is False, (method, path, payload)
        if code:
            assert payload["error"]["code"] == code, (method, path, status_code, payload)
        if status:
            assert status_code == status, (method, path, status_code, payload)
        return payload["error"]

    async def register(self, slug=None, email=None, password="correct-horse", name="Owner"):
        n = next(_counter)
        slug = slug or f"org-{n}"
        body = {"orgName": f"Org {n}", "orgSlug": slug, "email": email or f"owner{n}@{slug}.test",
                "password": password, "name": name}
        data = await self.ok("POST", "/api/v1/auth/register", body, status=201)
        return Org(self, data, password)


class Org:
    """One registered organization and its owner, with shortcuts for the common calls."""

    def __init__(self, api, data, password):
        self.api, self.data, self.password = api, data, password
        self.id = data["org"]["id"]
        self.owner = data["user"]
        self.token = data["accessToken"]
        self.refresh_token = data["refreshToken"]
        self._channels = None

    async def channels(self):
        if self._channels is None:
            listed = await self.api.ok("GET", "/api/v1/channels", token=self.token)
            self._channels = {c["name"]: c for c in listed}
        return self._channels

    async def channel_id(self, name="general"):
        return (await self.channels())[name]["id"]

    async def agent(self, name="bot", token=None, **extra):
        body = {"name": name, **extra}
        data = await self.api.ok("POST", "/api/v1/auth/agents/register", body, token=token or self.token, status=201)
        return data["agent"], data["apiKey"]

    async def post(self, content="hello", channel="general", token=None, **extra):
        channel_id = await self.channel_id(channel) if not _looks_like_id(channel) else channel
        body = {"channel_id": channel_id, "content": content, **extra}
        return await self.api.ok("POST", "/api/v1/posts", body, token=token or self.token, status=201)

    async def user(self, role="member", email=None):
        """Add a person to this org with the given role (written straight to the database,
        since the API has no invitation flow yet) and sign them in."""
        from agenthq.models import User
        from agenthq.security import hash_password

        email = email or f"user{next(_counter)}@{self.data['org']['slug']}.test"
        password_hash = hash_password("member-pass", TEST_PASSWORD_COST)
        User.create(org_id=self.id, email=email, password_hash=password_hash, name=email, role=role)
        data = await self.api.ok("POST", "/api/v1/auth/login", {"email": email, "password": "member-pass"})
        return data["user"], data["accessToken"]


async def post_from(address, http_client, port, path, body):
    """POST as a client at another loopback address (127.0.0.2, ...): the hub sees that as
    the client's address, as it would a second machine's. Returns (status, body, headers)."""
    request = HTTPRequest(
        f"http://127.0.0.1:{port}{path}", method="POST", body=json.dumps(body),
        headers={"Content-Type": "application/json"}, network_interface=address, request_timeout=20,
    )
    response = await http_client.fetch(request, raise_error=False)
    payload = json.loads(response.body)
    check_envelope(response.code, payload, path)
    return response.code, payload, response.headers


def _looks_like_id(value):
    return len(value) == 26 and value.isalnum() and value.isupper()


def check_envelope(status, payload, path):
    if path.startswith("/health"):
        return
    assert isinstance(payload, dict), (status, payload)
    if 200 <= status < 300:
        assert payload.get("success") is True and "data" in payload, payload
        if "pagination" in payload:
            # /search pages its lists together and adds each one's count (§15).
            extra = {"counts"} if path.startswith("/api/v1/search") else set()
            assert set(payload["pagination"]) == {"page", "limit", "total", "hasMore"} | extra, payload
    else:
        assert payload.get("success") is False, payload
        error = payload["error"]
        assert isinstance(error.get("code"), str) and isinstance(error.get("message"), str), payload
        assert "Traceback" not in error["message"], payload
        assert set(error) <= {"code", "message", "field"}, payload


def rest_call(base_url, method, path, body=None, token=None, timeout=20):
    """(status, parsed body) of one blocking HTTP request: for a hub in another process, from
    code that has no event loop of its own. Errors are answers too, never exceptions."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def rest_ok(base_url, method, path, body=None, token=None):
    """The data of a successful blocking call (any 2xx), else an assertion with the answer."""
    status, payload = rest_call(base_url, method, path, body, token)
    assert 200 <= status < 300 and payload["success"], (method, path, status, payload)
    return payload["data"]
