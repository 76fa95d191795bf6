"""The error contract of spec section 1: every code, its HTTP status and its envelope, pinned."""

import json

import pytest
from tornado.httpclient import HTTPRequest

API = "/api/v1"
ULID_NOBODY = "01ARZ3NDEKTSV4RRFFQ69G5FAV"  # well-formed, belongs to nothing

LIST_ENDPOINTS = (
    "/agents",
    "/agents/search",
    "/channels",
    "/posts",
    "/posts/search?q=hello",
    "/activity",
)


@pytest.mark.gen_test
async def test_validation_error_names_the_field(api):
    org = await api.register()
    cases = [
        ("POST", "/channels", {"name": "Not Valid"}, "name"),
        ("POST", "/channels", {}, "name"),
        ("POST", "/channels", {"name": "ok", "type": "secret"}, "type"),
        ("POST", "/posts", {"channel_id": await org.channel_id(), "content": ""}, "content"),
        ("POST", "/posts", {"channel_id": 42, "content": "x"}, "channel_id"),
        ("POST", "/posts", {"content": "x"}, "channel_id"),
        ("POST", "/posts", {"channel_id": await org.channel_id(), "parent_id": await org.channel_id() + "\n",
                            "content": "x"}, "parent_id"),
        ("POST", "/posts", {"channel_id": await org.channel_id(), "content": "x", "type": "rant"}, "type"),
        ("PATCH", "/org", {"settings": [1, 2]}, "settings"),
        ("POST", "/auth/agents/register", {"name": "bot", "capabilities": "search"}, "capabilities"),
    ]
    for method, path, body, field in cases:
        error = await api.error(method, API + path, body, token=org.token, code="VALIDATION_ERROR", status=400)
        assert error["field"] == field, (path, body, error)
        assert field in error["message"], error


@pytest.mark.gen_test
@pytest.mark.parametrize(
    "change, field",
    [
        ({"orgSlug": "Has Spaces"}, "orgSlug"),
        ({"orgSlug": ""}, "orgSlug"),
        ({"orgSlug": "acme\n"}, "orgSlug"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short77"}, "password"),
        ({"name": ""}, "name"),
        ({"orgName": None}, "orgName"),
        ({"password": 12345678}, "password"),
    ],
)
async def test_register_validation(api, change, field):
    body = {"orgName": "Acme", "orgSlug": "acme", "email": "a@acme.test", "password": "long-enough", "name": "Ann"}
    body.update(change)
    error = await api.error("POST", f"{API}/auth/register", body, code="VALIDATION_ERROR", status=400)
    assert error["field"] == field


@pytest.mark.gen_test
@pytest.mark.parametrize(
    "raw", ["not json", "{", "[1, 2]", '"a string"', "42", "null", "true", b"\xff\xfe{}"], ids=repr
)
async def test_invalid_json(api, raw):
    org = await api.register()
    error = await api.error("POST", f"{API}/channels", token=org.token, raw_body=raw, code="INVALID_JSON", status=400)
    assert "field" not in error
    # Also where no one is signed in yet.
    await api.error("POST", f"{API}/auth/login", raw_body=raw, code="INVALID_JSON", status=400)


@pytest.mark.gen_test
async def test_an_empty_body_counts_as_an_empty_object(api):
    """join, leave, rotate-key and heartbeat take no body, and clients send none: an empty body
    is read as {} (so a POST that needs fields answers VALIDATION_ERROR, not INVALID_JSON)."""
    org = await api.register()
    error = await api.error("POST", f"{API}/posts", token=org.token, raw_body="", code="VALIDATION_ERROR")
    assert error["field"] == "content"
    channel = await org.channel_id()
    code, _ = await api.call("POST", f"{API}/channels/{channel}/join", token=org.token, raw_body="")
    assert code == 200


@pytest.mark.gen_test
async def test_error_is_json(api, http_client, base_url):
    response = await http_client.fetch(base_url + f"{API}/org", raise_error=False)
    assert response.code == 401
    assert response.headers["Content-Type"].startswith("application/json")
    assert json.loads(response.body) == {
        "success": False,
        "error": {"code": "UNAUTHORIZED", "message": "Authentication required"},
    }


@pytest.mark.gen_test
@pytest.mark.parametrize(
    "header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "Token abc"], ids=repr
)
async def test_unauthorized_without_usable_credentials(api, header):
    headers = {} if header is None else {"Authorization": header}
    for method, path in [
        ("GET", "/auth/me"),
        ("GET", "/org"),
        ("GET", "/agents"),
        ("GET", "/channels"),
        ("GET", "/posts"),
        ("GET", "/activity"),
        ("POST", "/auth/agents/register"),
    ]:
        await api.error(method, API + path, headers=headers, code="UNAUTHORIZED", status=401)


@pytest.mark.gen_test
async def test_invalid_credentials_same_answer_for_unknown_email_and_wrong_password(api):
    org = await api.register(email="known@creds.test")
    unknown = await api.error(
        "POST", f"{API}/auth/login", {"email": "nobody@creds.test", "password": org.password},
        code="INVALID_CREDENTIALS", status=401,
    )
    wrong = await api.error(
        "POST", f"{API}/auth/login", {"email": "known@creds.test", "password": "not-the-password"},
        code="INVALID_CREDENTIALS", status=401,
    )
    assert unknown == wrong
    assert "field" not in unknown


@pytest.mark.gen_test
async def test_invalid_token_and_invalid_api_key(api):
    await api.error("GET", f"{API}/auth/me", token="not.a.jwt", code="INVALID_TOKEN", status=401)
    await api.error("GET", f"{API}/auth/me", token="garbage", code="INVALID_TOKEN", status=401)
    await api.error("GET", f"{API}/auth/me", token="ahq_" + "x" * 43, code="INVALID_API_KEY", status=401)
    await api.error("GET", f"{API}/auth/me", token="ahq_", code="INVALID_API_KEY", status=401)


@pytest.mark.gen_test
async def test_forbidden(api):
    org = await api.register()
    _, member = await org.user("member")
    error = await api.error("PATCH", f"{API}/org", {"name": "Mine now"}, token=member, code="FORBIDDEN", status=403)
    assert "field" not in error


@pytest.mark.gen_test
async def test_not_found_for_unknown_routes(api):
    org = await api.register()
    for path in ["/nope", "/api/v1", "/api/v1/nope", "/api/v2/org", "/api/v1/posts/", "/api/v1/agents/a/b/c"]:
        await api.error("GET", path, code="NOT_FOUND", status=404)
        await api.error("GET", path, token=org.token, code="NOT_FOUND", status=404)
        await api.error("POST", path, {"x": 1}, token=org.token, code="NOT_FOUND", status=404)


@pytest.mark.gen_test
async def test_not_found_for_bad_and_unknown_ids(api):
    org = await api.register()
    for bad in ["not-an-id", ULID_NOBODY, ULID_NOBODY.lower(), "%20", "1" * 200]:
        for method, path, body in [
            ("GET", f"/agents/{bad}", None),
            ("PATCH", f"/agents/{bad}", {"name": "x"}),
            ("DELETE", f"/agents/{bad}", None),
            ("POST", f"/agents/{bad}/heartbeat", {}),
            ("POST", f"/agents/{bad}/rotate-key", None),
            ("GET", f"/channels/{bad}", None),
            ("POST", f"/channels/{bad}/join", None),
            ("POST", f"/channels/{bad}/leave", None),
            ("GET", f"/channels/{bad}/posts", None),
            ("POST", f"/channels/{bad}/members", {"member_id": org.owner["id"], "member_type": "user"}),
            ("GET", f"/posts/{bad}", None),
            ("PATCH", f"/posts/{bad}", {"content": "x"}),
            ("DELETE", f"/posts/{bad}", None),
        ]:
            await api.error(method, API + path, body, token=org.token, code="NOT_FOUND", status=404)
    # A well-formed id in a body that names nothing.
    await api.error(
        "POST", f"{API}/posts", {"channel_id": ULID_NOBODY, "content": "x"}, token=org.token,
        code="NOT_FOUND", status=404,
    )
    await api.error(
        "GET", f"{API}/posts?channel_id={ULID_NOBODY}", token=org.token, code="NOT_FOUND", status=404
    )


@pytest.mark.gen_test
async def test_method_not_allowed(api):
    org = await api.register()
    for method, path in [
        ("PUT", "/org"),
        ("DELETE", "/org"),
        ("DELETE", "/channels"),
        ("PATCH", "/channels"),
        ("DELETE", "/agents"),
        ("POST", "/agents"),
        ("PUT", "/posts"),
        ("POST", "/posts/search"),
        ("PATCH", "/activity"),
        ("DELETE", "/activity"),
        ("GET", "/auth/login"),
        ("DELETE", "/auth/me"),
    ]:
        await api.error(method, API + path, token=org.token, code="METHOD_NOT_ALLOWED", status=405)
    # The sign-up endpoints need no credentials, so the method is judged first there.
    await api.error("GET", f"{API}/auth/register", code="METHOD_NOT_ALLOWED", status=405)


@pytest.mark.gen_test
async def test_conflicts(api):
    org = await api.register(slug="taken", email="first@taken.test")
    body = {"orgName": "Again", "orgSlug": "taken", "email": "second@taken.test", "password": "long-enough",
            "name": "B"}
    error = await api.error("POST", f"{API}/auth/register", body, code="ORG_EXISTS", status=409)
    assert error["field"] == "orgSlug"
    body.update(orgSlug="other", email="FIRST@taken.test")  # emails are case-insensitive
    error = await api.error("POST", f"{API}/auth/register", body, code="EMAIL_EXISTS", status=409)
    assert error["field"] == "email"
    error = await api.error(
        "POST", f"{API}/channels", {"name": "general"}, token=org.token, code="CHANNEL_EXISTS", status=409
    )
    assert error["field"] == "name"


@pytest.mark.gen_test
async def test_payload_too_large(api, http_client, base_url):
    org = await api.register()
    limit = 1 << 20
    big = json.dumps({"name": "big", "description": "x" * limit})
    await api.error("POST", f"{API}/channels", token=org.token, raw_body=big, code="PAYLOAD_TOO_LARGE", status=413)
    # Refused before authentication: nobody should be able to make the server read 1 MiB.
    await api.error("POST", f"{API}/auth/register", raw_body=big, code="PAYLOAD_TOO_LARGE", status=413)
    # A body of exactly the limit is read (and then judged on its content).
    exact = json.dumps({"name": "fits", "padding": ""})
    exact = exact.replace('""', '"' + "x" * (limit - len(exact)) + '"')
    assert len(exact.encode()) == limit
    code, created = await api.call("POST", f"{API}/channels", token=org.token, raw_body=exact, expect=201)
    assert created["data"]["name"] == "fits"

    # Without a Content-Length (chunked), the limit holds as the body streams in.
    async def producer(write):
        for _ in range(17):
            await write(b"x" * (64 * 1024))

    request = HTTPRequest(
        base_url + f"{API}/channels", method="POST", body_producer=producer,
        headers={"Authorization": f"Bearer {org.token}", "Content-Type": "application/json"},
    )
    response = await http_client.fetch(request, raise_error=False)
    assert response.code == 413, response.body
    assert json.loads(response.body)["error"]["code"] == "PAYLOAD_TOO_LARGE"


# Paging is clamped, never refused (SPEC §6.2): tests/test_compat_paging.py pins it on every
# list endpoint.


@pytest.mark.gen_test
async def test_pagination_bounds_are_accepted(api):
    org = await api.register()
    for path in LIST_ENDPOINTS:
        joiner = "&" if "?" in path else "?"
        for query, page, limit in (("page=1&limit=1", 1, 1), ("limit=100", 1, 100), ("page=1000", 1000, 20)):
            _, body = await api.call("GET", API + path + joiner + query, token=org.token, expect=200)
            assert body["pagination"]["page"] == page and body["pagination"]["limit"] == limit, (path, body)


@pytest.mark.gen_test
async def test_json_that_cannot_round_trip_is_refused(api):
    """NaN and Infinity are not JSON (a browser's JSON.parse rejects them), and a lone surrogate
    cannot be written as UTF-8: stored, either would break every later read of the list."""
    org = await api.register()
    channel = await org.channel_id()
    for raw in [
        '{"channel_id": "%s", "content": "x", "metadata": {"v": NaN}}',
        '{"channel_id": "%s", "content": "x", "metadata": {"v": Infinity}}',
        '{"channel_id": "%s", "content": "x", "metadata": {"v": -Infinity}}',
        '{"channel_id": "%s", "content": "x", "metadata": {"v": 1e999}}',
        '{"channel_id": "%s", "content": "\\ud800"}',
        '{"channel_id": "%s", "content": "x", "title": "a\\udfffb"}',
        '{"channel_id": "%s", "content": "x", "metadata": {"v": ["\\ud800"]}}',
        '{"channel_id": "%s", "content": "x", "metadata": {"\\udc00": 1}}',
    ]:
        await api.error("POST", f"{API}/posts", token=org.token, raw_body=raw % channel, code="INVALID_JSON",
                        status=400)
    assert await api.ok("GET", f"{API}/posts", token=org.token) == []
    # A character outside the BMP, escaped as a proper surrogate pair, is fine.
    post = await org.post("\ud83d\udd25 fire", metadata={"big": 1e300, "emoji": "🔥"})
    assert post["content"] == "🔥 fire" and post["metadata"] == {"big": 1e300, "emoji": "🔥"}
    assert (await api.ok("GET", f"{API}/posts", token=org.token))[0]["id"] == post["id"]


@pytest.mark.gen_test
async def test_deeply_nested_bodies_are_refused_not_crashed(api):
    org = await api.register()
    channel = await org.channel_id()
    await api.error("POST", f"{API}/posts", token=org.token, raw_body="[" * 100_000 + "]" * 100_000,
                    code="INVALID_JSON", status=400)
    for depth in (100, 990, 5000):
        nested = '{"a":' * depth + "1" + "}" * depth
        raw = '{"channel_id": "%s", "content": "x", "metadata": %s}' % (channel, nested)
        code, body = await api.call("POST", f"{API}/posts", token=org.token, raw_body=raw)
        assert code in (201, 400), (depth, code, body)
    await api.ok("GET", f"{API}/posts?limit=100", token=org.token)
