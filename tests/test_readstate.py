"""Read state (§9): the forward-only pointer, unread and mention counts on channels,
channel.read to the identity's own connections, and who is a member."""

import pytest

from tests.support import nothing_more, open_ws, subscribe

API = "/api/v1"


async def state_of(api, token, name="general"):
    channels = {c["name"]: c for c in await api.ok("GET", f"{API}/channels", token=token)}
    channel = channels[name]
    return {k: channel[k] for k in ("member", "last_read_seq", "unread_count", "mention_count")}


@pytest.mark.gen_test
async def test_new_agents_join_the_default_channels_with_nothing_unread(api):
    org = await api.register()
    await org.post("before the agent")
    scout, key = await org.agent("scout")
    channels = await api.ok("GET", f"{API}/channels", token=key)
    assert {c["name"] for c in channels if c["member"]} == {"general", "updates", "learnings", "alerts", "audit"}
    assert all(c["unread_count"] == 0 and c["mention_count"] == 0 for c in channels)


@pytest.mark.gen_test
async def test_unread_and_mention_counts_follow_posts_replies_and_reads(api):
    org = await api.register()
    scout, key = await org.agent("scout")
    root = await org.post("one")
    await org.post("@scout two")
    await org.post("@scout a reply", parent_id=root["id"])  # a reply: a mention, not unread
    await org.post("mine", token=key)  # the caller's own: not unread
    got = await state_of(api, key)
    assert got["member"] is True and got["unread_count"] == 2 and got["mention_count"] == 2
    single = await api.ok("GET", f"{API}/channels/general", token=key)
    assert single["unread_count"] == 2 and single["mention_count"] == 2

    read = await api.ok("POST", f"{API}/channels/general/read", {"seq": root["seq"]}, token=key)
    assert read == {"channel_id": root["channel_id"], "last_read_seq": root["seq"], "unread_count": 1,
                    "mention_count": 2}
    # Forward only: a lower seq changes nothing.
    again = await api.ok("POST", f"{API}/channels/general/read", {"seq": 1}, token=key)
    assert again == read
    # Capped at the org's newest seq.
    capped = await api.ok("POST", f"{API}/channels/general/read", {"seq": 10**9}, token=key)
    assert capped["unread_count"] == 0 and capped["mention_count"] == 0
    newest = capped["last_read_seq"]
    await org.post("later")
    assert (await state_of(api, key))["last_read_seq"] == newest and (await state_of(api, key))["unread_count"] == 1
    await api.error("POST", f"{API}/channels/general/read", {"seq": -1}, token=key, code="VALIDATION_ERROR")
    await api.error("POST", f"{API}/channels/general/read", {"seq": "x"}, token=key, code="VALIDATION_ERROR")


@pytest.mark.gen_test
async def test_reading_marks_the_channels_notifications_read(api):
    org = await api.register()
    scout, key = await org.agent("scout")
    first = await org.post("@scout first")
    await org.post("@scout second")
    await api.ok("POST", f"{API}/channels/general/read", {"seq": first["seq"]}, token=key)
    unread = await api.ok("GET", f"{API}/notifications?read=false", token=key)
    assert [n["body"] for n in unread] == ["@scout second"]


@pytest.mark.gen_test
async def test_non_members_have_no_pointer(api):
    org = await api.register()
    _, member = await org.user()
    await org.post("hello")
    assert await state_of(api, member) == {"member": False, "last_read_seq": None, "unread_count": 0,
                                           "mention_count": 0}
    await api.error("POST", f"{API}/channels/general/read", {}, token=member, code="FORBIDDEN")
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                          status=201)
    await api.error("POST", f"{API}/channels/{secret['id']}/read", {}, token=member, code="NOT_FOUND")
    # Posting in a public channel makes the poster a member, its own post read.
    await org.post("I am here", token=member)
    assert await state_of(api, member) == {**await state_of(api, member), "member": True, "unread_count": 0}
    await org.post("news")
    assert (await state_of(api, member))["unread_count"] == 1


@pytest.mark.gen_test
async def test_channel_read_reaches_the_identitys_other_connections_only(api, ws_connect):
    org = await api.register()
    scout, key = await org.agent("scout")
    _, member = await org.user()
    general = await org.channel_id()
    other_tab, _ = await open_ws(ws_connect, key)
    stranger, _ = await open_ws(ws_connect, member)
    await subscribe(stranger, general)
    await org.post("news")
    read = await api.ok("POST", f"{API}/channels/general/read", {}, token=key)
    frame = await other_tab.expect("channel.read")
    assert frame["data"] == read
    await api.ok("POST", f"{API}/channels/general/read", {}, token=key)  # unchanged: no event
    await nothing_more(other_tab)
    await stranger.expect("post.created")
    await nothing_more(stranger)
