"""JSON over HTTP for the SDK: one request helper that speaks the spec's envelope."""

import asyncio
import json
from urllib.parse import urlencode, urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest

from .errors import AgentHQError


def check_url(url):
    """The hub's base URL without a trailing slash, or AgentHQError(BAD_URL) saying what is
    wrong with it: refused here in one line rather than deep inside the HTTP client."""
    url = (url or "").strip().rstrip("/")
    example = "e.g. http://127.0.0.1:3000"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise AgentHQError("BAD_URL", f"{url!r} is not a valid URL ({error}); {example}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AgentHQError("BAD_URL", f"{url!r} is not a hub URL: it needs http:// or https:// and a host, {example}")
    if parts.path.rstrip("/").endswith(("/api/v1", "/ws")) or parts.query or parts.fragment:
        base = url.split("?")[0].split("#")[0].rstrip("/").removesuffix("/ws").removesuffix("/api/v1")
        raise AgentHQError("BAD_URL", f"give the hub's address, not an endpoint's: {base} (not {url})")
    return url


class Transport:
    """Sends requests to one hub; returns the envelope's `data` or raises AgentHQError."""

    def __init__(self, base_url, timeout=30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = None
        self._loop = None

    def _client(self):
        # An AsyncHTTPClient belongs to the loop it was made on; a sync caller may run each
        # call on a fresh loop, so make one per loop (force_instance: ours alone to close).
        loop = asyncio.get_running_loop()
        if self._http is None or self._loop is not loop:
            self._http = AsyncHTTPClient(force_instance=True)
            self._loop = loop
        return self._http

    async def request(self, method, path, token=None, body=None, query=None, envelope=True):
        url = self.base_url + path
        if query:
            url += "?" + urlencode({k: _query_value(v) for k, v in query.items() if v is not None})
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        raw = None
        if body is not None:
            raw = json.dumps(body)
            headers["Content-Type"] = "application/json"
        elif method in ("POST", "PATCH", "PUT"):
            raw = ""
        request = HTTPRequest(
            url, method=method, headers=headers, body=raw, request_timeout=self.timeout,
            connect_timeout=self.timeout, allow_nonstandard_methods=True,
        )
        try:
            response = await self._client().fetch(request, raise_error=False)
        except (OSError, HTTPClientError) as error:
            raise AgentHQError("CONNECTION_ERROR", f"cannot reach {self.base_url}: {error}") from None
        try:
            payload = json.loads(response.body) if response.body else None
        except ValueError:
            payload = None
        if not envelope and 200 <= response.code < 300 and isinstance(payload, dict):
            return payload  # /health has no envelope; list callers want the pagination too
        if isinstance(payload, dict) and payload.get("success") is True and 200 <= response.code < 300:
            return payload.get("data")
        raise AgentHQError.from_envelope(response.code, payload)

    def close(self):
        if self._http is not None:
            self._http.close()
            self._http = None


def _query_value(value):
    if isinstance(value, (list, tuple, set)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
