"""GET /channels without paging, answered from the org's channel rows kept in memory
(services/channel_listing.py): the same channels, fields and read state as the paged listing
(which reads everything from the database), and every change made through the API seen by
the very next request. Also: a person's access token, once verified, is confirmed in the
request's own transaction, and a person who is gone is refused there."""

import pytest

from agenthq.models import User

API = "/api/v1"


def by_id(items):
    return {item["id"]: item for item in items}


async def both_listings(api, token):
    unpaged = await api.ok("GET", f"{API}/channels", token=token)
    paged = await api.ok("GET", f"{API}/channels?page=1&limit=100", token=token)
    return unpaged, paged


@pytest.mark.gen_test
async def test_unpaged_listing_matches_the_paged_one_field_by_field(api):
    org = await api.register()
    member, member_token = await org.user()
    scout, key = await org.agent("scout")
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token, status=201)
    await api.ok("POST", f"{API}/channels", {"name": "quotes", "description": "ünïcode 名前, quote \" and \\"},
                 token=org.token, status=201)
    await api.ok("POST", f"{API}/dm", {"member_id": scout["id"], "member_type": "agent"}, token=org.token, status=201)
    await org.post("@scout hello", token=member_token)
    await org.post("unread for the owner", token=key)
    await org.post("in secret", channel=secret["id"])
    for token in (org.token, member_token, key):
        for _ in range(2):  # the second answered from the kept rows
            unpaged, paged = await both_listings(api, token)
            assert [c["name"] for c in unpaged] == sorted(c["name"] for c in unpaged)
            assert by_id(unpaged) == by_id(paged)
    owner = by_id((await both_listings(api, org.token))[0])
    assert owner[secret["id"]]["member"] is True
    assert any(c["type"] == "dm" and c["member_name"] == "scout" for c in owner.values())
    assert secret["id"] not in by_id((await both_listings(api, member_token))[0])
    only_private = await api.ok("GET", f"{API}/channels?type=private", token=org.token)
    assert [c["id"] for c in only_private] == [secret["id"]]


@pytest.mark.gen_test
async def test_changes_through_the_api_show_in_the_next_listing(api):
    org = await api.register()
    member, member_token = await org.user()
    other = await api.register()

    async def listed(token=member_token):
        return {c["name"]: c for c in await api.ok("GET", f"{API}/channels", token=token)}

    before = await listed()
    await listed(other.token)  # another org's rows are kept too, and stay apart
    await api.ok("POST", f"{API}/channels", {"name": "fresh"}, token=org.token, status=201)
    now = await listed()
    assert set(now) == set(before) | {"fresh"} and now["fresh"]["member"] is False

    hidden = await api.ok("POST", f"{API}/channels", {"name": "hidden", "type": "private"}, token=org.token,
                          status=201)
    assert "hidden" not in await listed()
    await api.ok("POST", f"{API}/channels/{hidden['id']}/members", {"member_id": member["id"], "member_type": "user"},
                 token=org.token, status=201)
    assert (await listed())["hidden"]["member"] is True

    await api.ok("POST", f"{API}/channels/fresh/join", token=member_token)
    assert (await listed())["fresh"]["member"] is True
    await api.ok("POST", f"{API}/channels/fresh/leave", token=member_token)
    assert (await listed())["fresh"]["member"] is False
    await api.ok("POST", f"{API}/channels/hidden/leave", token=member_token)
    assert "hidden" not in await listed()

    dm = await api.ok("POST", f"{API}/dm", {"member_id": member["id"], "member_type": "user"}, token=org.token,
                      status=201)
    assert (await listed())[dm["name"]]["member_name"] == org.owner["name"]
    assert set(await listed(other.token)) == set(before) - {"hidden"}
    assert "fresh" not in await listed(other.token)


@pytest.mark.gen_test
async def test_a_person_gone_after_their_token_was_checked_is_refused(api):
    org = await api.register()
    person, token = await org.user()
    general = await org.channel_id()
    await api.ok("GET", f"{API}/channels", token=token)  # the token's signature is verified and kept
    await org.post("still here", token=token)
    User.delete().where(User.id == person["id"]).execute()
    await api.error("GET", f"{API}/channels", token=token, code="INVALID_TOKEN", status=401)
    await api.error("GET", f"{API}/posts?channel_id={general}", token=token, code="INVALID_TOKEN", status=401)
    await api.error("POST", f"{API}/posts", {"channel_id": general, "content": "gone"}, token=token,
                    code="INVALID_TOKEN", status=401)
    posts = await api.ok("GET", f"{API}/posts?channel_id={general}", token=org.token)
    assert [p["content"] for p in posts] == ["still here"]
