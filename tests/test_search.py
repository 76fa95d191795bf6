"""/posts/search: full text, ranked, kept in step with edits and deletes, and never a 500
whatever a person types."""

import asyncio
from urllib.parse import quote

import pytest
from tornado.httpclient import AsyncHTTPClient

from tests.support import Api

API = "/api/v1"


async def search(api, token, q, extra=""):
    _, body = await api.call("GET", f"{API}/posts/search?q={quote(q)}{extra}", token=token, expect=200)
    return body


async def found(api, token, q):
    return [p["id"] for p in (await search(api, token, q))["data"]]


@pytest.mark.gen_test
async def test_ranked_best_match_first(api):
    org = await api.register()
    filler = " ".join(f"word{i}" for i in range(60))
    once = await org.post(f"{filler} kubernetes {filler}")
    often = await org.post("kubernetes kubernetes kubernetes rollout")
    titled = await org.post(f"{filler} kubernetes", title="kubernetes kubernetes")
    await org.post("nothing relevant here")

    hits = await found(api, org.token, "kubernetes")
    assert set(hits) == {once["id"], often["id"], titled["id"]}
    assert hits[0] == often["id"] and hits[-1] == once["id"]  # dense and short beats one mention in a long post
    body = await search(api, org.token, "kubernetes")
    assert body["pagination"] == {"page": 1, "limit": 20, "total": 3, "hasMore": False}
    assert all(p["org_id"] == org.id for p in body["data"])

    paged = await search(api, org.token, "kubernetes", "&limit=2&page=2")
    assert [p["id"] for p in paged["data"]] == [once["id"]]
    assert paged["pagination"] == {"page": 2, "limit": 2, "total": 3, "hasMore": False}


@pytest.mark.gen_test
async def test_words_stems_titles_and_case(api):
    org = await api.register()
    deploy = await org.post("We are deploying the new build tonight")
    titled = await org.post("see attachment", title="Quarterly Revenue")
    both = await org.post("deployed: revenue dashboard")

    assert set(await found(api, org.token, "deploy")) == {deploy["id"], both["id"]}  # porter stemming
    assert set(await found(api, org.token, "REVENUE")) == {titled["id"], both["id"]}  # titles, any case
    assert await found(api, org.token, "deploy revenue") == [both["id"]]  # every word is required
    assert await found(api, org.token, "zebra") == []


@pytest.mark.gen_test
async def test_follows_edits_and_deletes(api):
    org = await api.register()
    post = await org.post("the alpha release", title="Plan A")
    assert await found(api, org.token, "alpha") == [post["id"]]

    await api.ok("PATCH", f"{API}/posts/{post['id']}", {"content": "the omega release"}, token=org.token)
    assert await found(api, org.token, "alpha") == []
    assert await found(api, org.token, "omega") == [post["id"]]
    assert await found(api, org.token, "plan") == [post["id"]]  # the untouched title is still indexed

    await api.ok("PATCH", f"{API}/posts/{post['id']}", {"title": "Blueprint"}, token=org.token)
    assert await found(api, org.token, "plan") == []
    assert await found(api, org.token, "blueprint") == [post["id"]]
    await api.ok("PATCH", f"{API}/posts/{post['id']}", {"title": None}, token=org.token)
    assert await found(api, org.token, "blueprint") == []

    await api.ok("DELETE", f"{API}/posts/{post['id']}", token=org.token)
    body = await search(api, org.token, "omega")
    assert body["data"] == [] and body["pagination"]["total"] == 0


HOSTILE = [
    '"', "AND (", "*", "NEAR(", "NEAR(a b", "a OR", "NOT", "-x", "^start", "title:x", "content: ops", "{title}",
    'a"b', "'", "\\", "%", "_", ")", "(((", "a AND", "OR OR", "x*", '"unterminated', "ops; DROP TABLE post;--",
    "🔥", "Ünïcödé", "a" * 500, "+", ":", "col:", "a - b", "NEAR(ops deploy, 2)", "\u00a0", "rank", "post_fts",
]


@pytest.mark.gen_test
async def test_hostile_queries_never_fail(api):
    org = await api.register()
    post = await org.post("ops deploy NEAR AND OR NOT start x content 2")
    for q in HOSTILE:
        body = await search(api, org.token, q)
        assert isinstance(body["data"], list), q
        # Operators and column filters are read as plain words, never as syntax: where every
        # word of the query is in the post, the post is found.
        if q in ("AND (", "NEAR(", "NOT", "-x", "^start", "x*", "content: ops", "NEAR(ops deploy, 2)", "OR OR"):
            assert [p["id"] for p in body["data"]] == [post["id"]], q
        if q in ("a OR", "a AND", "title:x", "NEAR(a b"):
            assert body["data"] == [], q


@pytest.mark.gen_test
async def test_query_is_required(api):
    org = await api.register()
    for path in (f"{API}/posts/search", f"{API}/posts/search?q="):
        error = await api.error("GET", path, token=org.token, code="VALIDATION_ERROR", status=400)
        assert error["field"] == "q"
    error = await api.error("GET", f"{API}/posts/search?q={'a' * 501}", token=org.token, code="VALIDATION_ERROR")
    assert error["field"] == "q"
    await api.error("GET", f"{API}/posts/search?q=x", code="UNAUTHORIZED", status=401)


def seed(org, count, content):
    """`count` posts in the org's general channel, written straight to the database: volume
    for the searches below, which themselves go through HTTP."""
    from agenthq.models import Channel, Post, new_id

    channel = Channel.get((Channel.org_id == org.id) & (Channel.name == "general"))
    rows = [
        dict(id=new_id(), org_id=org.id, channel_id=channel.id, author_id=org.owner["id"], author_type="user",
             type="update", content=f"{content} number{i}", metadata={})
        for i in range(count)
    ]
    for start in range(0, count, 500):
        Post.insert_many(rows[start:start + 500]).execute()


@pytest.mark.gen_test
async def test_total_counts_what_the_caller_may_read(api):
    """The total comes from one MATCH over the index (which holds every org's posts): only
    this org's posts in channels the caller may read count, on every page."""
    org, other = await api.register(), await api.register()
    seed(org, 45, "quarterly rollout notes")
    seed(other, 30, "quarterly rollout notes")  # the same words in another org
    private = await api.ok("POST", f"{API}/channels", {"name": "secret", "type": "private"}, token=org.token,
                           status=201)
    await org.post("quarterly rollout of the secret plan", channel=private["id"])
    _, key = await org.agent("reader")  # an agent is not a member of the private channel

    owner = await search(api, org.token, "quarterly rollout", "&limit=20&page=3")
    assert owner["pagination"] == {"page": 3, "limit": 20, "total": 46, "hasMore": False}
    assert len(owner["data"]) == 6 and all(p["org_id"] == org.id for p in owner["data"])
    agent = await search(api, key, "quarterly rollout", "&limit=20")
    assert agent["pagination"] == {"page": 1, "limit": 20, "total": 45, "hasMore": True}
    assert (await search(api, other.token, "rollout"))["pagination"]["total"] == 30


@pytest.mark.gen_test
@pytest.mark.parametrize("config_overrides", [{"search_timeout": 1e-6}])
async def test_a_search_over_its_time_budget_answers_503(api, config_overrides):
    org = await api.register()
    seed(org, 400, "deploy the release candidate")
    error = await api.error("GET", f"{API}/posts/search?q=deploy+release", token=org.token, code="UNAVAILABLE",
                            status=503)
    assert "took too long" in error["message"]
    # The budget ended with that query: the connection serves the next one as usual.
    assert (await api.call("GET", f"{API}/channels", token=org.token))[0] == 200


# One search thread and room for all the searches in its queue: they all wait their turn there.
SLOW = {"search_threads": 1, "search_queue": 100, "rest_burst": 1000}


@pytest.mark.gen_test(timeout=120)
@pytest.mark.parametrize("config_overrides", [SLOW])
async def test_searches_never_hold_up_another_orgs_reads(api, base_url, config_overrides):
    """Twenty searches keep the search thread busy; another organization's requests (each a
    token check on a reader) are answered meanwhile, long before the searches are done. The
    order is the check, not a time: before, the searches filled the two readers and these
    requests answered after nearly all of them."""
    big, other = await api.register(), await api.register()
    seed(big, 3000, "incident review deploy rollback")
    crowd = Api(AsyncHTTPClient(force_instance=True, max_clients=64), base_url)
    searches = [
        asyncio.ensure_future(crowd.call("GET", f"{API}/posts/search?q=deploy+rollback", token=big.token))
        for _ in range(20)
    ]
    await asyncio.sleep(0)  # let them leave (they are on their own client, with its own connections)
    for _ in range(3):
        await api.ok("GET", f"{API}/channels", token=other.token)
    finished = sum(task.done() for task in searches)
    answers = await asyncio.gather(*searches)
    assert finished < 10, f"{finished} of 20 searches finished before another org's three reads"
    assert all(code == 200 and body["pagination"]["total"] == 3000 for code, body in answers)


@pytest.mark.gen_test(timeout=120)
@pytest.mark.parametrize("config_overrides", [{"search_threads": 1, "search_queue": 1, "rest_burst": 1000}])
async def test_searches_past_the_queue_limit_are_refused_at_once(api, base_url, config_overrides):
    org = await api.register()
    seed(org, 3000, "incident review deploy rollback")
    crowd = Api(AsyncHTTPClient(force_instance=True, max_clients=64), base_url)
    answers = await asyncio.gather(*[
        crowd.call("GET", f"{API}/posts/search?q=deploy+rollback", token=org.token) for _ in range(12)
    ])
    codes = sorted(code for code, _ in answers)
    assert codes.count(200) >= 2 and codes.count(503) >= 1 and set(codes) == {200, 503}, codes
    refused = [body for code, body in answers if code == 503]
    assert all("Too many searches" in body["error"]["message"] for body in refused)
