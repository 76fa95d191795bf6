"""/ws connection: who gets in (query token, first-message auth), who is refused and how
(error frame, then 4001), browser origins, and what the access log must never show."""

import asyncio
import logging

import pytest
from tornado.httpclient import HTTPClientError

from agenthq import security
from tests.support import open_ws, subscribe

ALLOWED = "https://agents.example.com"


@pytest.fixture
def config_overrides():
    return {"ws_auth_timeout": 0.3, "ws_allowed_origins": (ALLOWED,)}


async def refused(ws, within=5):
    """The spec's refusal: an UNAUTHORIZED error frame, then close code 4001."""
    error = await ws.recv(within)
    assert error is not None and error["type"] == "error" and error["code"] == "UNAUTHORIZED", error
    assert error["event"] == "error" and error["data"]["code"] == "UNAUTHORIZED"
    assert isinstance(error["message"], str) and error["message"]
    code, _ = await ws.closed(within)
    assert code == 4001
    return error


# -- who gets in --------------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_user_token_in_query(api, ws_connect):
    org = await api.register()
    ws, hello = await open_ws(ws_connect, org.token)
    data = hello["data"]
    assert data["identity"] == {"type": "user", "id": org.owner["id"]}
    assert data["org_id"] == org.id
    assert isinstance(data["seq"], int) and data["seq"] >= 0
    assert data["heartbeat_interval"] > 0
    assert isinstance(data["connection_id"], str) and data["connection_id"]


@pytest.mark.gen_test
async def test_agent_key_in_query(api, ws_connect):
    org = await api.register()
    agent, key = await org.agent("scout")
    ws, hello = await open_ws(ws_connect, key)
    assert hello["data"]["identity"] == {"type": "agent", "id": agent["id"]}
    assert hello["data"]["org_id"] == org.id


@pytest.mark.gen_test
async def test_connection_ids_are_distinct(api, ws_connect):
    org = await api.register()
    ids = set()
    for _ in range(3):
        ws, hello = await open_ws(ws_connect, org.token)
        ids.add(hello["data"]["connection_id"])
    assert len(ids) == 3


@pytest.mark.gen_test
async def test_connected_seq_is_the_newest_event_of_the_org(api, ws_connect):
    org = await api.register()
    watcher, _ = await open_ws(ws_connect, org.token)
    await subscribe(watcher, await org.channel_id())
    await org.post("one")
    await org.post("two")
    last = await watcher.expect("post.created")
    last = await watcher.expect("post.created")
    ws, hello = await open_ws(ws_connect, org.token)
    assert hello["data"]["seq"] == last["seq"]


@pytest.mark.gen_test
async def test_auth_as_first_message(api, ws_connect):
    """A client that keeps its token out of the URL sends it as the first message."""
    org = await api.register()
    ws = await ws_connect()
    await ws.send({"type": "auth", "token": org.token})
    hello = await ws.expect("connected")
    assert hello["data"]["identity"]["id"] == org.owner["id"]
    # And the socket works like any other.
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")


@pytest.mark.gen_test
async def test_auth_as_first_message_in_sdk_form(api, ws_connect):
    org = await api.register()
    agent, key = await org.agent()
    ws = await ws_connect()
    await ws.send({"event": "auth", "data": {"token": key}})
    hello = await ws.expect("connected")
    assert hello["data"]["identity"] == {"type": "agent", "id": agent["id"]}


@pytest.mark.gen_test
async def test_user_and_agent_tokens_are_told_apart(api, ws_connect):
    org = await api.register()
    _, member_token = await org.user("member")
    ws, hello = await open_ws(ws_connect, member_token)
    assert hello["data"]["identity"]["type"] == "user"


# -- who is refused -----------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_garbage_token_is_refused(api, ws_connect):
    await refused(await ws_connect(token="not-a-token"))


@pytest.mark.gen_test
async def test_unknown_api_key_is_refused(api, ws_connect):
    await refused(await ws_connect(token="ahq_" + "x" * 43))


@pytest.mark.gen_test
async def test_refresh_token_is_refused(api, ws_connect):
    org = await api.register()
    await refused(await ws_connect(token=org.refresh_token))


@pytest.mark.gen_test
async def test_expired_token_is_refused(api, ws_connect, hub):
    org = await api.register()
    expired = security.encode_token(
        hub.tokens.secret, subject=org.owner["id"], org_id=org.id, role="owner", token_type="access", ttl=-60
    )
    await refused(await ws_connect(token=expired))


@pytest.mark.gen_test
async def test_token_signed_with_another_secret_is_refused(api, ws_connect):
    org = await api.register()
    forged = security.encode_token(
        "another-secret-that-is-long-enough-for-hs256", subject=org.owner["id"], org_id=org.id, role="owner", token_type="access", ttl=60
    )
    await refused(await ws_connect(token=forged))


@pytest.mark.gen_test
async def test_rotated_key_is_refused(api, ws_connect):
    org = await api.register()
    agent, old_key = await org.agent()
    await api.ok("POST", f"/api/v1/agents/{agent['id']}/rotate-key", token=org.token)
    await refused(await ws_connect(token=old_key))


@pytest.mark.gen_test
async def test_no_token_and_no_auth_message_times_out(api, ws_connect):
    ws = await ws_connect()
    error = await refused(ws, within=3)
    assert "timed out" in error["message"].lower()


@pytest.mark.gen_test
async def test_first_message_must_be_auth(api, ws_connect):
    org = await api.register()
    channel = await org.channel_id()  # before connecting: the auth timeout here is 0.3 s
    ws = await ws_connect()
    await ws.send({"type": "subscribe", "channel": channel})
    await refused(ws)


@pytest.mark.gen_test
async def test_bad_token_in_auth_message_is_refused(api, ws_connect):
    ws = await ws_connect()
    await ws.send({"type": "auth", "token": "nope"})
    await refused(ws)


@pytest.mark.gen_test
async def test_auth_message_without_token_is_refused(api, ws_connect):
    """A missing token is a missing token (spec: error, then 4001), whatever form it takes."""
    ws = await ws_connect()
    await ws.send({"type": "auth"})
    await refused(ws, within=0.25)


@pytest.mark.gen_test
async def test_refused_socket_gets_no_events(api, ws_connect):
    org = await api.register()
    ws = await ws_connect(token="bad")
    await refused(ws)
    assert [f["type"] for f in ws.frames] == ["error"]


# -- browser origins ----------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_cross_origin_browser_is_refused(api, ws_connect):
    org = await api.register()
    with pytest.raises(HTTPClientError) as refusal:
        await ws_connect(token=org.token, headers={"Origin": "https://evil.example"})
    assert refusal.value.code == 403


@pytest.mark.gen_test
async def test_client_without_origin_is_accepted(api, ws_connect):
    org = await api.register()
    await open_ws(ws_connect, org.token)


@pytest.mark.gen_test
async def test_same_origin_browser_is_accepted(api, ws_connect, http_port):
    org = await api.register()
    await open_ws(ws_connect, org.token, headers={"Origin": f"http://127.0.0.1:{http_port}"})


@pytest.mark.gen_test
async def test_configured_origin_is_accepted(api, ws_connect):
    org = await api.register()
    await open_ws(ws_connect, org.token, headers={"Origin": ALLOWED})


# -- logs ---------------------------------------------------------------------------------------


@pytest.mark.gen_test
async def test_access_log_never_shows_the_token(api, ws_connect, caplog):
    caplog.set_level(logging.DEBUG)
    org = await api.register()
    agent, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key, since=0)
    ws.close()
    with pytest.raises(HTTPClientError):
        await ws_connect(token=org.token, headers={"Origin": "https://evil.example"})
    await refused(await ws_connect(token="ahq_wrong_key_that_is_long_enough_000000000"))
    await asyncio.sleep(0.1)
    lines = [r.getMessage() for r in caplog.records if r.name == "agenthq.access" and "/ws" in r.getMessage()]
    assert len(lines) >= 3, lines
    for record in caplog.records:
        text = record.getMessage() + str(record.exc_info or "")
        assert key not in text and org.token not in text and "token=" not in text, text


@pytest.mark.gen_test
async def test_unexpected_error_log_never_shows_the_token(api, ws_connect, caplog, monkeypatch):
    """Tornado's own report of an exception in a socket handler prints the request URI; the
    token in it must not reach the log. The client is told (INTERNAL, no detail) and closed
    with 1011, so it reconnects and resumes."""
    from agenthq.services import stream

    def broken(identity, channel_id):
        raise RuntimeError("boom")

    caplog.set_level(logging.DEBUG)
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    monkeypatch.setattr(stream, "subscribable", broken)
    await ws.send({"type": "subscribe", "channel": await org.channel_id()})
    error = await ws.expect("error")
    assert error["code"] == "INTERNAL" and "boom" not in error["message"]
    code, _ = await ws.closed()
    assert code == 1011
    await asyncio.sleep(0.05)
    assert any("boom" in (r.getMessage() + repr(r.exc_info)) for r in caplog.records)
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        assert org.token not in text, text
