"""Hostile strings (SQL fragments, FTS5 syntax, HTML and script, huge and odd unicode, NUL
bytes) in every text field, query parameter, path id and the Authorization header: each is
stored and returned exactly as data, or refused with a clean 4xx; never a 500, and never
executed (the tables and every later read survive them)."""

import re
from urllib.parse import quote

import pytest

SQL = ["'; DROP TABLE post; --", '" OR "1"="1', "1; SELECT * FROM user", "%", "_%_", "\\",
       "' UNION SELECT password_hash, key_hash FROM user, agent --", "0x27 OR 1=1/*"]
FTS = ['"unbalanced', "NEAR(deploy rollback, 2)", "deploy OR rollback", "title:secret", "*", "^start",
       "a AND NOT b", "(((", "-x", 'x" OR "y', '"""', "NOT", "content MATCH 'x'"]
HTML = ["<script>alert(1)</script>", "<img src=x onerror=alert(document.cookie)>", '"><svg onload=alert(1)>',
        "{{7*7}}${7*7}<%= 7*7 %>", "javascript:alert(1)", "<!--", "]]>", "&lt;&amp;"]
UNICODE = ["\u202eevil\u202c", "e\u0301" * 50, "\U0001F469\u200d\U0001F469\u200d\U0001F467" * 60,
           "\U0001d54f" * 2500, "\ufeffbom", "\u200b", "\uffff", "中文テスト한국어", "\u2028\u2029", "\x7f\x1b[31m"]
NUL = ["a\x00b", "\x00"]
HOSTILE = SQL + FTS + HTML + UNICODE
EVERYTHING = HOSTILE + NUL
OK, REFUSED = (200, 201), (400, 404)


@pytest.fixture
def config_overrides():
    # Hundreds of requests from one identity and many failed sign-ins: limits are tested apart.
    return {"rest_rate": 0, "login_account_failures": 10_000, "login_address_failures": 10_000}


def nul_refused(status, payload, field):
    assert status == 400 and payload["error"]["code"] == "VALIDATION_ERROR", payload
    assert payload["error"].get("field") == field, payload


@pytest.mark.gen_test(timeout=120)
async def test_posts_store_every_hostile_string_as_data(api):
    org = await api.register()
    general = await org.channel_id()
    made = {}
    for text in HOSTILE:
        body = {"channel_id": general, "content": text, "title": text[:300], "metadata": {"k": text, text[:50]: [text]}}
        if not text.strip():  # only whitespace (\u2028\u2029): blank content is refused
            await api.error("POST", "/api/v1/posts", body, token=org.token, code="VALIDATION_ERROR", status=400)
            body["content"] = "x" + text
        post = await api.ok("POST", "/api/v1/posts", body, token=org.token, status=201)
        assert (post["content"], post["title"], post["metadata"]) == (body["content"], text[:300], body["metadata"])
        made[post["id"]] = text
        fetched = await api.ok("GET", f"/api/v1/posts/{post['id']}", token=org.token)
        assert fetched["content"] == body["content"]
        edited = await api.ok("PATCH", f"/api/v1/posts/{post['id']}", {"content": text + "!", "title": text[:10]},
                              token=org.token)
        assert edited["content"] == text + "!"
    for text in NUL:
        for field in ("content", "title"):
            body = {"channel_id": general, "content": "fine", field: text}
            nul_refused(*await api.call("POST", "/api/v1/posts", body, token=org.token), field)
        # Inside a JSON object it is just data.
        post = await api.ok("POST", "/api/v1/posts", {"channel_id": general, "content": "m", "metadata": {"k": text}},
                            token=org.token, status=201)
        assert post["metadata"] == {"k": text}
    # Every post is still there and readable, in one list: nothing was executed.
    listed = await api.ok("GET", f"/api/v1/channels/{general}/posts?limit=100", token=org.token)
    assert {p["id"] for p in listed} >= set(made)


@pytest.mark.gen_test(timeout=120)
async def test_search_treats_every_query_as_words(api):
    org = await api.register()
    await org.post("'; DROP TABLE post; -- deploy rollback NEAR the title:secret <script>alert(1)</script>")
    for text in EVERYTHING:
        status, payload = await api.call("GET", f"/api/v1/posts/search?q={quote(text[:500])}", token=org.token)
        if "\x00" in text:
            nul_refused(status, payload, "q")
        else:
            assert status == 200, (text, payload)
    for query, found in (("DROP TABLE", 1), ('"unbalanced', 0), ("NEAR(deploy rollback)", 1), ("NEAR(deploy rollback, 2)", 0),
                         ("title:secret", 1), ("deploy OR nothing", 0), ("<script>", 1), ("*", 0)):
        hits = await api.ok("GET", f"/api/v1/posts/search?q={quote(query)}", token=org.token)
        assert len(hits) == found, (query, hits)


@pytest.mark.gen_test(timeout=120)
async def test_agents_channels_org_and_activity_keep_hostile_text_as_data(api):
    org = await api.register()
    for i, text in enumerate(HOSTILE):
        # Names are trimmed; a name of only invisible characters is refused as blank.
        status, payload = await api.call("POST", "/api/v1/auth/agents/register",
                                         {"name": text[:100], "description": text[:2000], "capabilities": [text[:100]]},
                                         token=org.token)
        if status == 201:
            agent = payload["data"]["agent"]
            assert (agent["name"], agent["description"], agent["capabilities"]) == (
                text[:100].strip(), text[:2000], [text[:100]])
            patched = await api.ok("PATCH", f"/api/v1/agents/{agent['id']}", {"metadata": {text[:40]: text}},
                                   token=org.token)
            assert patched["metadata"] == {text[:40]: text}
        else:
            assert status == 400 and not text[:100].strip(), (text, payload)

        channel = await api.ok("POST", "/api/v1/channels", {"name": f"c-{i}", "description": text[:500]},
                               token=org.token, status=201)
        assert channel["description"] == text[:500]
        status, _ = await api.call("POST", "/api/v1/channels", {"name": text[:80]}, token=org.token)
        assert status == (201 if re.fullmatch("[a-z0-9-]+", text[:80]) else 400)  # names are [a-z0-9-] only

        entry = await api.ok("POST", "/api/v1/activity", {"action": text[:100], "resource_type": text[:100],
                                                          "resource_id": text[:100], "details": {"d": text}},
                             token=org.token, status=201)
        assert (entry["action"], entry["details"]) == (text[:100], {"d": text})
        found = await api.ok("GET", f"/api/v1/activity?action={quote(text[:100])}", token=org.token)
        assert [e["id"] for e in found] == [entry["id"]]

        renamed = await api.ok("PATCH", "/api/v1/org", {"name": text[:100] if text.strip() else "x",
                                                        "settings": {text[:30]: text}}, token=org.token)
        assert renamed["settings"] == {text[:30]: text}

        for path in (f"/api/v1/agents/search?q={quote(text[:200])}",
                     f"/api/v1/agents/search?capabilities={quote(text[:100])}"):
            status, payload = await api.call("GET", path, token=org.token)
            assert status in (200, 400), (path, payload)
    for text in NUL:
        for method, path, body, field in (
            ("POST", "/api/v1/auth/agents/register", {"name": text}, "name"),
            ("POST", "/api/v1/channels", {"name": "nul", "description": text}, "description"),
            ("POST", "/api/v1/activity", {"action": text}, "action"),
            ("PATCH", "/api/v1/org", {"name": text}, "name"),
        ):
            nul_refused(*await api.call(method, path, body, token=org.token), field)
    # Everything still lists.
    for path in ("/api/v1/agents?limit=100", "/api/v1/channels?limit=100", "/api/v1/activity?limit=100",
                 "/api/v1/org", "/api/v1/auth/me"):
        await api.ok("GET", path, token=org.token)


@pytest.mark.gen_test(timeout=120)
async def test_sign_up_and_sign_in_with_hostile_strings(api):
    for i, text in enumerate(SQL + HTML[:3] + UNICODE[:4]):
        password = "password-" + text  # at least 8 characters
        status, payload = await api.call("POST", "/api/v1/auth/register", {
            "orgName": text[:100], "orgSlug": f"hostile-{i}", "email": f"h{i}@hostile.test",
            "password": password[:256], "name": text[:100]})
        if status == 201:
            assert payload["data"]["org"]["name"] == text[:100].strip()
            login = await api.ok("POST", "/api/v1/auth/login", {"email": f"h{i}@hostile.test", "password": password[:256]})
            assert login["user"]["name"] == text[:100].strip()
        else:
            assert status == 400 and not text[:100].strip(), (text, payload)
        # As the email or the slug they are refused; as a wrong password they are just wrong.
        status, _ = await api.call("POST", "/api/v1/auth/register", {
            "orgName": "x", "orgSlug": text[:64], "email": "x@x.test", "password": "long-enough", "name": "x"})
        assert status == 400
        status, payload = await api.call("POST", "/api/v1/auth/login", {"email": text[:254], "password": text[:256]})
        assert status in (400, 401), payload
        await api.error("POST", "/api/v1/auth/login", {"email": f"h{i}@hostile.test", "password": text[:256]},
                        status=(400 if "\x00" in text else 401))
        await api.error("POST", "/api/v1/auth/refresh", {"refreshToken": text}, status=401)
    for text in NUL:
        nul_refused(*await api.call("POST", "/api/v1/auth/login", {"email": "a@b.test", "password": text}),
                    "password")


@pytest.mark.gen_test(timeout=120)
async def test_hostile_ids_query_parameters_and_tokens_are_clean_errors(api, http_client, base_url):
    org = await api.register()
    general = await org.channel_id()
    for text in EVERYTHING:
        q = quote(text, safe="")
        for path in (f"/api/v1/posts/{q}", f"/api/v1/agents/{q}", f"/api/v1/channels/{q}",
                     f"/api/v1/channels/{q}/posts", f"/api/v1/agents/{q}/heartbeat"):
            method = "POST" if path.endswith("heartbeat") else "GET"
            status, payload = await api.call(method, path, token=org.token)
            assert status == 404 and payload["error"]["code"] == "NOT_FOUND", (path, payload)
        for query in (f"author_id={q}", f"type={q}", f"since={q}"):
            status, payload = await api.call("GET", f"/api/v1/posts?{query}", token=org.token)
            assert status == 400 and payload["error"]["code"] == "VALIDATION_ERROR", (query, payload)
        # A channel may be named where its id goes: unknown is NOT_FOUND, a NUL a bad request.
        status, payload = await api.call("GET", f"/api/v1/posts?channel_id={q}", token=org.token)
        assert (status, payload["error"]["code"]) in ((404, "NOT_FOUND"), (400, "VALIDATION_ERROR")), payload
        # Paging is never refused (clamped as the original server did).
        for query in (f"page={q}", f"limit={q}"):
            await api.ok("GET", f"/api/v1/posts?{query}", token=org.token)
        for query in (f"from={q}", f"to={q}", f"actor_id={q}"):
            await api.error("GET", f"/api/v1/activity?{query}", token=org.token, status=400)
        status, payload = await api.call("GET", f"/api/v1/agents/search?status={q}", token=org.token)
        assert status == 400
        await api.error("POST", "/api/v1/posts", {"channel_id": text, "content": "x"}, token=org.token)
        for body in ({"channel_id": general, "content": "x", "parent_id": text},
                     {"channel_id": general, "content": "x", "type": text}):
            await api.error("POST", "/api/v1/posts", body, token=org.token, code="VALIDATION_ERROR")
        await api.error("POST", f"/api/v1/channels/{general}/members", {"member_id": text, "member_type": "user"},
                        token=org.token, code="VALIDATION_ERROR")
        await api.error("POST", "/api/v1/channels", {"name": "t-" + str(len(text)), "type": text},
                        token=org.token, code="VALIDATION_ERROR")
        # As a bearer token: refused, never an error of ours. (Header values cannot hold
        # NUL or line breaks at all; the HTTP layer refuses those itself.)
        if not any(c in text for c in "\x00\u2028\u2029\x1b\x7f") and text.isprintable() and text.strip():
            for token in (text, "ahq_" + text):
                response = await http_client.fetch(
                    base_url + "/api/v1/auth/me", raise_error=False,
                    headers={"Authorization": f"Bearer {token}".encode("utf-8").decode("latin-1")})
                assert response.code in (400, 401), (token, response.code, response.body)
    # Still all there.
    assert len(await api.ok("GET", "/api/v1/channels", token=org.token)) == 5


@pytest.mark.gen_test
async def test_huge_bodies_are_refused_cleanly(api):
    org = await api.register()
    general = await org.channel_id()
    await api.error("POST", "/api/v1/posts", {"channel_id": general, "content": "\U0001d54f" * 20001},
                    token=org.token, code="VALIDATION_ERROR", status=400)
    await api.error("POST", "/api/v1/posts", {"channel_id": general, "content": "x" * (2 << 20)},
                    token=org.token, code="PAYLOAD_TOO_LARGE", status=413)
    await api.error("POST", "/api/v1/posts", {"channel_id": general, "content": "x", "metadata": {"k": "y" * 70000}},
                    token=org.token, code="VALIDATION_ERROR", status=400)
    post = await api.ok("POST", "/api/v1/posts", {"channel_id": general, "content": "\U0001d54f" * 20000},
                        token=org.token, status=201)
    assert len(post["content"]) == 20000
