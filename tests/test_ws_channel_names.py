"""Subscribe and unsubscribe name a channel by id or by name (spec 6.1, 6.3): `channel`, or the
original web client's `data.channelId`; a name with or without `#`, any case, among the
channels the caller can read. Replies always carry the id; an unknown or unreadable name is
NOT_FOUND, as its id would be."""

import pytest

from tests.ws_support import open_ws


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
