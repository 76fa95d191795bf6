"""Client -> server messages: subscribe, unsubscribe, heartbeat, in the seed's form and the
original SDK's; access checks on subscribe; malformed input answered and survived."""

import pytest

from agenthq.clock import parse_iso
from tests.support import nothing_more, open_ws, subscribe


@pytest.mark.gen_test
async def test_subscribe_seed_form(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.send({"type": "subscribe", "channel": general})
    reply = await ws.expect("subscribed")
    assert reply["channel"] == general and reply["data"]["channel"] == general
    post = await org.post("after subscribe")
    assert (await ws.expect("post.created"))["data"]["id"] == post["id"]


@pytest.mark.gen_test
async def test_subscribe_sdk_form(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.send({"event": "subscribe", "data": {"channel": general}})
    reply = await ws.expect("subscribed")
    assert reply["channel"] == general and reply["event"] == "subscribed"
    post = await org.post("sdk form")
    assert (await ws.expect("post.created"))["data"]["id"] == post["id"]


@pytest.mark.gen_test
async def test_subscribing_twice_delivers_once(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)
    await subscribe(ws, general)
    await org.post("once")
    await ws.expect("post.created")
    await nothing_more(ws)


@pytest.mark.gen_test
async def test_unsubscribe_both_forms(api, ws_connect):
    org = await api.register()
    general, updates = await org.channel_id("general"), await org.channel_id("updates")
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)
    await subscribe(ws, updates)
    await ws.send({"type": "unsubscribe", "channel": general})
    reply = await ws.expect("unsubscribed")
    assert reply["channel"] == general and reply["data"]["channel"] == general
    await ws.send({"event": "unsubscribe", "data": {"channel": updates}})
    assert (await ws.expect("unsubscribed"))["channel"] == updates
    await org.post("unheard", "general")
    await org.post("unheard", "updates")
    await nothing_more(ws)


@pytest.mark.gen_test
async def test_unsubscribe_keeps_other_subscriptions(api, ws_connect):
    org = await api.register()
    general, updates = await org.channel_id("general"), await org.channel_id("updates")
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)
    await subscribe(ws, updates)
    await ws.send({"type": "unsubscribe", "channel": general})
    await ws.expect("unsubscribed")
    await org.post("unheard", "general")
    heard = await org.post("heard", "updates")
    event = await ws.expect("post.created")
    assert event["data"]["id"] == heard["id"]
    await nothing_more(ws)


@pytest.mark.gen_test
async def test_unsubscribe_from_a_channel_never_subscribed_is_acknowledged(api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    general = await org.channel_id()
    await ws.send({"type": "unsubscribe", "channel": general})
    assert (await ws.expect("unsubscribed"))["channel"] == general


@pytest.mark.gen_test
async def test_heartbeat_both_forms(api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    for message in ({"type": "heartbeat"}, {"event": "heartbeat"}, {"event": "heartbeat", "data": {}}):
        await ws.send(message)
        ack = await ws.expect("heartbeat_ack")
        assert ack["timestamp"] == ack["data"]["timestamp"]
        parse_iso(ack["timestamp"])


# -- access checks on subscribe ----------------------------------------------------------------


async def assert_refused(ws, channel, codes=("NOT_FOUND", "FORBIDDEN")):
    await ws.send({"type": "subscribe", "channel": channel})
    error = await ws.expect("error")
    assert error["code"] in codes and error["channel"] == channel, error
    assert error["data"]["code"] == error["code"] and error["data"]["channel"] == channel
    return error


@pytest.mark.gen_test
async def test_subscribe_unknown_channel(api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    error = await assert_refused(ws, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert error["code"] == "NOT_FOUND"
    error = await assert_refused(ws, "not-an-id")
    assert error["code"] == "NOT_FOUND"


@pytest.mark.gen_test
async def test_subscribe_other_orgs_channel_is_not_found_and_hears_nothing(api, ws_connect):
    mine, theirs = await api.register(), await api.register()
    their_general = await theirs.channel_id()
    ws, _ = await open_ws(ws_connect, mine.token)
    error = await assert_refused(ws, their_general)
    assert error["code"] == "NOT_FOUND"
    await theirs.post("secret")
    await nothing_more(ws)


@pytest.mark.gen_test
async def test_subscribe_private_channel_needs_membership(api, ws_connect):
    org = await api.register()
    private = await api.ok(
        "POST", "/api/v1/channels", {"name": "board", "type": "private"}, token=org.token, status=201
    )
    agent, key = await org.agent()
    outsider, _ = await open_ws(ws_connect, key)
    await assert_refused(outsider, private["id"])
    await org.post("board only", private["id"])
    await nothing_more(outsider)
    # Once added as a member, the same agent may subscribe.
    await api.ok(
        "POST", f"/api/v1/channels/{private['id']}/members",
        {"member_id": agent["id"], "member_type": "agent"}, token=org.token, status=201,
    )
    await subscribe(outsider, private["id"])
    post = await org.post("now you hear", private["id"])
    assert (await outsider.expect("post.created"))["data"]["id"] == post["id"]


@pytest.mark.gen_test
async def test_refused_subscribe_changes_nothing_else(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    await subscribe(ws, general)
    await assert_refused(ws, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    post = await org.post("still subscribed")
    assert (await ws.expect("post.created"))["data"]["id"] == post["id"]


@pytest.mark.gen_test
async def test_public_channel_can_be_subscribed_without_joining(api, ws_connect):
    """Like reading a public channel over REST: no membership needed."""
    org = await api.register()
    channel = await api.ok("POST", "/api/v1/channels", {"name": "ops", "type": "public"}, token=org.token, status=201)
    agent, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key)
    await subscribe(ws, channel["id"])
    post = await org.post("ops news", channel["id"])
    assert (await ws.expect("post.created"))["data"]["id"] == post["id"]


# -- malformed input ---------------------------------------------------------------------------


MALFORMED = [
    "not json",
    "",
    "[1, 2]",
    '"subscribe"',
    "null",
    "{}",
    '{"type": 5}',
    '{"type": "dance"}',
    '{"event": "dance", "data": {}}',
    '{"type": "subscribe"}',
    '{"type": "subscribe", "channel": 7}',
    '{"type": "subscribe", "channel": ""}',
    '{"type": "subscribe", "channel": "CH", "since": -1}',
    '{"type": "subscribe", "channel": "CH", "since": "5"}',
    '{"type": "subscribe", "channel": "CH", "since": true}',
    '{"type": "subscribe", "channel": "CH", "since": 1.5}',
    '{"type": "unsubscribe"}',
    '{"event": "subscribe", "data": {}}',
    '{"type": "auth", "token": "x"}',
]


@pytest.mark.gen_test
async def test_malformed_messages_get_bad_message_and_the_socket_stays_open(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    for raw in MALFORMED:
        await ws.send(raw.replace('"CH"', f'"{general}"'))
        error = await ws.recv()
        assert error["type"] == "error" and error["code"] == "BAD_MESSAGE", (raw, error)
        assert error["data"]["code"] == "BAD_MESSAGE", raw
        assert isinstance(error["message"], str) and error["message"], raw
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")
    # Nothing half-done by a bad subscribe: no subscription was made.
    await org.post("unheard")
    await nothing_more(ws)


@pytest.mark.gen_test
async def test_binary_message_gets_bad_message(api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.conn.write_message(b'{"type": "heartbeat"}', binary=True)
    assert (await ws.expect("error"))["code"] == "BAD_MESSAGE"
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")


@pytest.mark.gen_test
async def test_many_bad_messages_do_not_close_the_socket(api, ws_connect):
    org = await api.register()
    ws, _ = await open_ws(ws_connect, org.token)
    for _ in range(20):
        await ws.send("{oops")
        assert (await ws.expect("error"))["code"] == "BAD_MESSAGE"
    await ws.send({"type": "heartbeat"})
    await ws.expect("heartbeat_ack")
