"""Subscribe and unsubscribe name a channel by id or by name (spec 6.1, 6.3): `channel`, or the
original web client's `data.channelId`; a name with or without `#`, any case, among the
channels the caller can read. Replies always carry the id; an unknown or unreadable name is
NOT_FOUND, as its id would be."""

import pytest

from tests.support import open_ws, subscribe


async def heard(ws, org, channel_id):
    """The subscription works: a post in the channel arrives."""
    post = await org.post("are you there", channel_id)
    assert (await ws.expect("post.created"))["data"]["id"] == post["id"]


@pytest.mark.gen_test
async def test_channel_id_field_of_the_original_web_client(api, ws_connect):
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.send({"event": "subscribe", "data": {"channelId": general}})
    reply = await ws.expect("subscribed")
    assert reply["channel"] == reply["data"]["channel"] == general
    await heard(ws, org, general)
    await ws.send({"event": "unsubscribe", "data": {"channelId": general}})
    assert (await ws.expect("unsubscribed"))["channel"] == general


@pytest.mark.gen_test
@pytest.mark.parametrize("name", ["general", "#general", "GENERAL", "#General"])
async def test_subscribe_by_name_answers_the_id(api, ws_connect, name):
    org = await api.register()
    general = await org.channel_id()
    ws, _ = await open_ws(ws_connect, org.token)
    reply = await subscribe(ws, name)
    assert reply["channel"] == reply["data"]["channel"] == general
    await heard(ws, org, general)


@pytest.mark.gen_test
async def test_name_in_channel_id_field_and_unsubscribe_by_name(api, ws_connect):
    org = await api.register()
    updates = await org.channel_id("updates")
    ws, _ = await open_ws(ws_connect, org.token)
    await ws.send({"event": "subscribe", "data": {"channelId": "#updates"}})
    assert (await ws.expect("subscribed"))["channel"] == updates
    await ws.send({"type": "unsubscribe", "channel": "Updates"})
    assert (await ws.expect("unsubscribed"))["channel"] == updates
    # Unsubscribed for good: the sentinel (a post in #general, subscribed now) arrives alone.
    await subscribe(ws, "general")
    await org.post("unheard", updates)
    sentinel = await org.post("sentinel")
    assert (await ws.expect("post.created"))["data"]["id"] == sentinel["id"]


@pytest.mark.gen_test
async def test_unknown_or_unreadable_name_is_not_found(api, ws_connect):
    org = await api.register()
    await api.ok("POST", "/api/v1/channels", {"name": "board", "type": "private"}, token=org.token, status=201)
    other = await api.register()
    _, key = await org.agent()
    ws, _ = await open_ws(ws_connect, key)
    for name in ("nope", "#board", "board"):  # board: private, and the agent is not in it
        await ws.send({"type": "subscribe", "channel": name})
        error = await ws.expect("error")
        assert error["code"] == "NOT_FOUND" and error["channel"] == name, error
    # Another organization's channel of the same name resolves in the caller's own org.
    mine = await org.channel_id()
    assert (await subscribe(ws, "general"))["channel"] == mine != await other.channel_id()
