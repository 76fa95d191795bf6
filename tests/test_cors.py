"""SPEC §6.2: CORS is opt-in. Listed origins (exact) get Access-Control-Allow-Origin on the REST
API and /health, their preflights answered; other origins get no Access-Control-* header at
all; never "*" nor credentials. Listed origins may also open /ws."""

import json

import pytest
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from agenthq.config import Config

APP = "https://app.example"
OTHER = "https://evil.example"


@pytest.fixture
def config_overrides():
    return {"cors_origins": (APP, "http://localhost:5173")}


def _cors_headers(response):
    return {name: value for name, value in response.headers.get_all() if name.lower().startswith("access-control-")}


async def _fetch(http_client, base_url, path, method="GET", origin=None, **headers):
    if origin:
        headers["Origin"] = origin
    body = "" if method in ("POST", "PATCH") else None
    request = HTTPRequest(base_url + path, method=method, headers=headers, body=body, allow_nonstandard_methods=True)
    return await http_client.fetch(request, raise_error=False)


@pytest.mark.gen_test
async def test_listed_origins_get_cors_headers(api, http_client, base_url):
    org = await api.register()
    for path, auth in [("/health", None), ("/api/v1/channels", org.token), ("/api/v1/channels", None),
                       ("/api/v1/nowhere", org.token)]:
        headers = {"Authorization": f"Bearer {auth}"} if auth else {}
        response = await _fetch(http_client, base_url, path, origin=APP, **headers)
        assert response.headers["Access-Control-Allow-Origin"] == APP, (path, response.code)
        assert "Origin" in response.headers["Vary"]
        assert "Access-Control-Allow-Credentials" not in response.headers
    # Errors too (the 401 just above), so the app can read why.
    response = await _fetch(http_client, base_url, "/api/v1/channels", origin="http://localhost:5173")
    assert response.code == 401 and response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert json.loads(response.body)["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.gen_test
async def test_preflight_of_a_listed_origin(http_client, base_url):
    for path in ("/api/v1/posts", "/api/v1/channels/general/join", "/health"):
        response = await _fetch(http_client, base_url, path, method="OPTIONS", origin=APP, **{
            "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "authorization,content-type"})
        assert response.code == 204, (path, response.code, response.body)
        assert _cors_headers(response) == {
            "Access-Control-Allow-Origin": APP,
            "Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE",
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Max-Age": "600",
            "Access-Control-Expose-Headers": "Retry-After",
        }
        assert not response.body


@pytest.mark.gen_test
async def test_other_origins_get_no_cors_header(api, http_client, base_url):
    org = await api.register()
    for origin in (OTHER, APP + "/", APP.upper(), "null", APP + ".evil.example", None):
        for path in ("/health", "/api/v1/channels"):
            response = await _fetch(http_client, base_url, path, origin=origin, Authorization=f"Bearer {org.token}")
            assert response.code == 200 and _cors_headers(response) == {}, (origin, path)
        preflight = await _fetch(http_client, base_url, "/api/v1/posts", method="OPTIONS", origin=origin,
                                 **{"Access-Control-Request-Method": "POST"})
        # Not answered as a preflight: refused as any unauthenticated OPTIONS is, without CORS.
        assert preflight.code in (401, 405) and _cors_headers(preflight) == {}, origin
    # Pages are not the API: no CORS there even for a listed origin.
    page = await _fetch(http_client, base_url, "/login", origin=APP)
    assert _cors_headers(page) == {}


@pytest.mark.gen_test
async def test_a_listed_origin_may_open_the_socket(api, http_server, http_port):
    org = await api.register()
    url = f"ws://127.0.0.1:{http_port}/ws?token={org.token}"
    conn = await websocket_connect(HTTPRequest(url, headers={"Origin": APP}))
    frame = json.loads(await conn.read_message())
    assert frame["type"] == "connected"
    conn.close()
    with pytest.raises(HTTPClientError) as refused:
        await websocket_connect(HTTPRequest(url, headers={"Origin": OTHER}))
    assert refused.value.code == 403


def test_cors_origins_setting():
    config = Config.from_env({"AGENTHQ_CORS_ORIGINS": f" {APP} ,http://localhost:5173,", "AGENTHQ_WS_ORIGINS": OTHER})
    assert config.cors_origins == (APP, "http://localhost:5173")
    assert set(config.ws_allowed_origins) == {OTHER, APP, "http://localhost:5173"}
    assert Config().cors_origins == () and Config().ws_allowed_origins == ()
