"""Malformed /ws input answers its spec frame, never an exception (issue 11, items 9-10): a
token with a byte that is not UTF-8 is refused without a fragment of it reaching the log; a
`since` that is no 64-bit seq is BAD_MESSAGE; a deeply nested message is BAD_MESSAGE and the
socket stays open; a token with a lone surrogate is UNAUTHORIZED and 4001. No case logs a
traceback or an error. And a refusal names REST's own code for the same token (data.reason)
with REST's message."""

import logging

import pytest

from tests.support import open_ws


@pytest.fixture
def quiet_log(caplog):
    """Every log record of the test; at the end none may be an error or carry a traceback."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]


async def refused(ws):
    error = await ws.expect("error")
    assert error["code"] == "UNAUTHORIZED" and error["data"]["code"] == "UNAUTHORIZED", error
    code, _ = await ws.closed()
    assert code == 4001
    return error


async def still_open(ws):
    """The sentinel: the socket answers a heartbeat."""
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")


def fragments(secret, size=8):
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


@pytest.mark.gen_test
async def test_token_with_a_bad_byte_is_refused_and_never_logged(api, ws_connect, quiet_log):
    org = await api.register()
    _, key = await org.agent()
    error = await refused(await ws_connect(token=key + "%FF"))
    assert error["data"]["reason"] == "INVALID_API_KEY"
    secret = key[len("ahq_"):]
    logged = "\n".join(r.getMessage() + repr(r.args) for r in quiet_log.records)
    assert not [f for f in fragments(secret) if f in logged]


@pytest.mark.gen_test
async def test_token_with_a_lone_surrogate_in_the_query_is_refused(api, ws_connect, quiet_log):
    org = await api.register()
    _, key = await org.agent()
    error = await refused(await ws_connect(token=key[:20] + "%ED%A0%80" + key[20:]))
    assert error["data"]["reason"] == "INVALID_API_KEY"


@pytest.mark.gen_test
async def test_token_with_a_lone_surrogate_in_the_auth_message_is_refused(api, ws_connect, quiet_log):
    org = await api.register()
    _, key = await org.agent()
    ws = await ws_connect()
    # \ud800 is a valid JSON escape that decodes to a string no UTF-8 encoder accepts.
    await ws.send('{"type": "auth", "token": "' + key[:20] + '\\ud800' + key[20:] + '"}')
    assert (await refused(ws))["data"]["reason"] == "INVALID_API_KEY"
    ws = await ws_connect()
    await ws.send('{"type": "auth", "token": "\\ud800"}')
    assert (await refused(ws))["data"]["reason"] == "INVALID_TOKEN"


@pytest.mark.gen_test
@pytest.mark.parametrize("since", ["%C2%B2", "1" * 5000, "9223372036854775808", "-1", "1e3", ""])
async def test_since_that_is_no_seq_is_a_bad_message(api, ws_connect, quiet_log, since):
    """`since=²` passed str.isdigit() and then broke int(); 5,000 digits broke int() too."""
    org = await api.register()
    ws = await ws_connect(token=org.token, since=since)
    error = await ws.expect("error")
    assert error["code"] == "BAD_MESSAGE" and "since" in error["message"]
    await ws.expect("connected")  # then it goes on, from now, as without `since`
    await still_open(ws)


@pytest.mark.gen_test
async def test_largest_seq_is_a_valid_since(api, ws_connect, quiet_log):
    """2^63-1 is a seq, though of no log here: resync, as for any `since` from elsewhere."""
    org = await api.register()
    ws = await ws_connect(token=org.token, since=str(2**63 - 1))
    await ws.expect("connected")
    await ws.expect("resync_required")


@pytest.mark.gen_test
@pytest.mark.parametrize("since", [2**63, -1, 1.5, "3", True])
async def test_subscribe_since_that_is_no_seq_is_a_bad_message(api, ws_connect, quiet_log, since):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.send({"type": "subscribe", "channel": await org.channel_id(), "since": since})
    error = await ws.expect("error")
    assert error["code"] == "BAD_MESSAGE" and "since" in error["message"]
    await still_open(ws)


@pytest.mark.gen_test
@pytest.mark.parametrize("message", ["[" * 10_000, '{"a":' * 5_000, '{"type": "subscribe", "since": ' + "9" * 5000 + "}"])
async def test_deep_or_huge_json_is_a_bad_message(api, ws_connect, quiet_log, message):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.send(message)
    error = await ws.expect("error")
    assert error["code"] == "BAD_MESSAGE"
    await still_open(ws)


# -- the REST reason of a refusal ----------------------------------------------------------------


async def rest_error(api, token):
    return await api.error("GET", "/api/v1/auth/me", token=token, status=401)


@pytest.mark.gen_test
async def test_bad_api_key_names_rests_code_and_message(api, ws_connect, quiet_log):
    bad_key = "ahq_" + "x" * 43
    rest = await rest_error(api, bad_key)
    error = await refused(await ws_connect(token=bad_key))
    assert rest["code"] == "INVALID_API_KEY" == error["data"]["reason"]
    assert error["message"] == error["data"]["message"] == rest["message"]


@pytest.mark.gen_test
async def test_bad_jwt_names_rests_code_and_message(api, ws_connect, quiet_log):
    org = await api.register()
    rest = await rest_error(api, org.refresh_token)
    error = await refused(await ws_connect(token=org.refresh_token))
    assert rest["code"] == "INVALID_TOKEN" == error["data"]["reason"]
    assert error["message"] == rest["message"]


@pytest.mark.gen_test
async def test_missing_token_reason_is_unauthorized(api, ws_connect, quiet_log):
    ws = await ws_connect()
    await ws.send({"type": "heartbeat"})
    assert (await refused(ws))["data"]["reason"] == "UNAUTHORIZED"
