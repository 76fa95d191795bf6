"""SPEC §6.2: paging is clamped, never refused, on every list endpoint, read as the original
server read it (JavaScript's parseInt); GET /channels without paging answers every channel."""

import pytest

API = "/api/v1"

# Every list endpoint of the API, with the query it needs; /channels/{general}/posts is added per test.
LIST_ENDPOINTS = ("/agents", "/agents/search", "/channels", "/posts", "/posts/search?q=hello", "/activity")

CLAMPED = [
    # (query, page used, limit used)
    ("limit=200", 1, 100),
    ("page=0", 1, 20),
    ("page=0&limit=0", 1, 20),
    ("limit=abc", 1, 20),
    ("page=abc", 1, 20),
    ("limit=12abc", 1, 12),
    ("page=3abc&limit=2", 3, 2),
    ("page=-1&limit=-5", 1, 1),
    ("limit=", 1, 20),
    ("limit=1.9", 1, 1),
    ("limit=%20%207", 1, 7),
    ("limit=99999999999999999999999", 1, 100),
    ("page=99999999999999999999999&limit=1", 1_000_000_000, 1),
]


@pytest.mark.gen_test
async def test_paging_is_clamped_on_every_list_endpoint(api):
    org = await api.register()
    await org.post("hello world")
    general = await org.channel_id()
    for path in (*LIST_ENDPOINTS, f"/channels/{general}/posts"):
        for query, page, limit in CLAMPED:
            joiner = "&" if "?" in path else "?"
            code, payload = await api.call("GET", API + path + joiner + query, token=org.token, expect=200)
            pagination = payload["pagination"]
            assert (pagination["page"], pagination["limit"]) == (page, limit), (path, query, pagination)
            assert len(payload["data"]) <= limit
            assert pagination["hasMore"] == (page * limit < pagination["total"]), (path, query, pagination)


@pytest.mark.gen_test
async def test_clamped_paging_still_pages(api):
    org = await api.register()
    for n in range(3):
        await org.post(f"post {n}")
    first = await api.call("GET", f"{API}/posts?limit=2abc&page=0", token=org.token, expect=200)
    second = await api.call("GET", f"{API}/posts?limit=2&page=2xyz", token=org.token, expect=200)
    assert [p["content"] for p in first[1]["data"]] == ["post 2", "post 1"]
    assert [p["content"] for p in second[1]["data"]] == ["post 0"]
    assert first[1]["pagination"]["hasMore"] is True and second[1]["pagination"]["hasMore"] is False


@pytest.mark.gen_test
async def test_other_query_fields_keep_their_errors(api):
    org = await api.register()
    for path, field in [("/posts?type=poem&limit=abc", "type"), ("/activity?from=soon&page=0", "from"),
                        ("/agents/search?status=asleep&limit=500", "status"), ("/channels?type=secret", "type")]:
        error = await api.error("GET", API + path, token=org.token, code="VALIDATION_ERROR", status=400)
        assert error["field"] == field


@pytest.mark.gen_test
async def test_all_channels_without_page_or_limit(api):
    org = await api.register()
    names = [f"team-{n:02d}" for n in range(25)]
    for name in names:
        await api.ok("POST", f"{API}/channels", {"name": name}, token=org.token, status=201)
    secret = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                          status=201)
    code, payload = await api.call("GET", f"{API}/channels", token=org.token, expect=200)
    listed = [c["name"] for c in payload["data"]]
    assert len(listed) == 5 + 25 + 1 and set(names) <= set(listed) and "secret" in listed
    assert payload["pagination"] == {"page": 1, "limit": 31, "total": 31, "hasMore": False}

    # Another member of the org does not see the private channel, in the full list either.
    _, member = await org.user()
    code, payload = await api.call("GET", f"{API}/channels", token=member, expect=200)
    assert secret["id"] not in {c["id"] for c in payload["data"]}
    assert payload["pagination"] == {"page": 1, "limit": 30, "total": 30, "hasMore": False}

    # With either page or limit, it pages.
    code, payload = await api.call("GET", f"{API}/channels?page=2", token=org.token, expect=200)
    assert len(payload["data"]) == 11 and payload["pagination"] == {
        "page": 2, "limit": 20, "total": 31, "hasMore": False}
    code, payload = await api.call("GET", f"{API}/channels?limit=abc", token=org.token, expect=200)
    assert len(payload["data"]) == 20 and payload["pagination"]["hasMore"] is True


@pytest.mark.gen_test
async def test_channels_filter_by_type(api):
    org = await api.register()
    await api.ok("POST", f"{API}/channels", {"name": "inner", "type": "private"}, token=org.token, status=201)
    private = await api.ok("GET", f"{API}/channels?type=private", token=org.token)
    assert [c["name"] for c in private] == ["inner"]
    public = await api.ok("GET", f"{API}/channels?type=public", token=org.token)
    assert {c["type"] for c in public} == {"public"} and len(public) == 5
    code, payload = await api.call("GET", f"{API}/channels?type=dm", token=org.token, expect=200)
    # Nothing to list: limit stays 1, since a limit is never below 1.
    assert payload["data"] == [] and payload["pagination"] == {"page": 1, "limit": 1, "total": 0, "hasMore": False}
