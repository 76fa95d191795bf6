"""Mentions (§8.1) over REST: who a post names, outside code, readers only, recomputed on
edit, and the two mention lists."""

import pytest

API = "/api/v1"


async def mentioned(api, org, token, agent_id):
    return [m["post_id"] for m in await api.ok("GET", f"{API}/agents/{agent_id}/mentions", token=token)]


@pytest.mark.gen_test
async def test_words_quoted_names_and_ids(api):
    org = await api.register()
    scout, _ = await org.agent("scout")
    writer, _ = await org.agent("Release Writer")
    other, _ = await org.agent("other")
    by_name = await org.post("ping @Scout please")
    quoted = await org.post('over to @"release writer" now')
    by_id = await org.post(f"(@{other['id']}) look")
    assert await mentioned(api, org, org.token, scout["id"]) == [by_name["id"]]
    assert await mentioned(api, org, org.token, writer["id"]) == [quoted["id"]]
    assert await mentioned(api, org, org.token, other["id"]) == [by_id["id"]]
    first = (await api.ok("GET", f"{API}/agents/{scout['id']}/mentions", token=org.token))[0]
    assert first["kind"] == "direct" and first["mentioned_type"] == "agent" and first["post"]["id"] == by_name["id"]
    assert first["channel_id"] == by_name["channel_id"] and first["read"] is False


@pytest.mark.gen_test
async def test_code_emails_and_other_orgs_are_not_mentions(api):
    org, other_org = await api.register(), await api.register()
    scout, _ = await org.agent("scout")
    await other_org.agent("stranger")
    await org.post("mail scout@example.com or `@scout` or\n```\n@scout\n```\nor a_@scout")
    await org.post("@stranger, are you there?")
    assert await mentioned(api, org, org.token, scout["id"]) == []
    stranger_mentions = await api.ok("GET", f"{API}/mentions", token=other_org.token)
    assert stranger_mentions == []


@pytest.mark.gen_test
async def test_private_channel_non_member_and_author_get_none(api):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                          status=201)
    await org.post("@scout @channel look", channel=secret["id"])
    assert await mentioned(api, org, org.token, scout["id"]) == []
    await org.post("I, @scout, say so", token=scout_key)
    assert await api.ok("GET", f"{API}/mentions", token=scout_key) == []


@pytest.mark.gen_test
async def test_channel_and_here(api):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    idle, _ = await org.agent("idle")
    await api.ok("POST", f"{API}/agents/{scout['id']}/heartbeat", {}, token=scout_key)
    everyone = await org.post("@channel release at noon")
    here = await org.post("@here who is around?")
    got = await api.ok("GET", f"{API}/agents/{idle['id']}/mentions", token=org.token)
    assert [(m["post_id"], m["kind"]) for m in got] == [(everyone["id"], "channel")]
    got = await api.ok("GET", f"{API}/agents/{scout['id']}/mentions", token=org.token)
    assert [(m["post_id"], m["kind"]) for m in got] == [(here["id"], "here"), (everyone["id"], "channel")]


@pytest.mark.gen_test
async def test_edit_recomputes(api):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    helper, helper_key = await org.agent("helper")
    post = await org.post("@scout take this")
    await api.ok("PATCH", f"{API}/posts/{post['id']}", {"content": "@helper take this"}, token=org.token)
    assert await mentioned(api, org, org.token, scout["id"]) == []
    assert await mentioned(api, org, org.token, helper["id"]) == [post["id"]]
    # The dropped one keeps its notification; the new one gets one.
    assert [n["type"] for n in await api.ok("GET", f"{API}/notifications", token=scout_key)] == ["mention"]
    assert [n["type"] for n in await api.ok("GET", f"{API}/notifications", token=helper_key)] == ["mention"]
    await api.ok("PATCH", f"{API}/posts/{post['id']}", {"content": "@helper @scout both"}, token=org.token)
    assert len(await api.ok("GET", f"{API}/notifications", token=scout_key)) == 1  # never twice


@pytest.mark.gen_test
async def test_own_mentions_since_and_unread(api):
    org = await api.register()
    scout, scout_key = await org.agent("scout")
    first = await org.post("@scout one")
    await api.ok("POST", f"{API}/channels/general/read", {}, token=scout_key)
    second = await org.post("@scout two")
    got = await api.ok("GET", f"{API}/mentions", token=scout_key)
    assert [(m["post_id"], m["read"]) for m in got] == [(second["id"], False), (first["id"], True)]
    got = await api.ok("GET", f"{API}/mentions?unread=true", token=scout_key)
    assert [m["post_id"] for m in got] == [second["id"]]
    got = await api.ok("GET", f"{API}/mentions?since={second['created_at']}", token=scout_key)
    assert got == []
    await api.error("GET", f"{API}/mentions?since=yesterday", token=scout_key, code="VALIDATION_ERROR")


@pytest.mark.gen_test
async def test_agent_mentions_only_in_channels_the_caller_reads(api):
    org = await api.register()
    scout, _ = await org.agent("scout")
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                          status=201)
    await api.ok("POST", f"{API}/channels/{secret['id']}/members", {"member_id": scout["id"], "member_type": "agent"},
                 token=org.token, status=201)
    await org.post("@scout hush", channel=secret["id"])
    _, member = await org.user()
    assert await mentioned(api, org, member, scout["id"]) == []
    assert len(await mentioned(api, org, org.token, scout["id"])) == 1
    other = await api.register()
    await api.error("GET", f"{API}/agents/{scout['id']}/mentions", token=other.token, code="NOT_FOUND")
