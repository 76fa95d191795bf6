"""The search and Feed pages under hostile query strings, over real HTTP to a real hub: every
answer is a page (200, or 400 saying what was wrong), never a 500 or a traceback."""

import pytest

from tests.test_web_hardening import Browser

HOSTILE = [
    "q=%FF%FE", "q=%00", "q=" + "a" * 5000, 'q=%22unbalanced', "q=NEAR(x", "q=x*", "q=-x+%5Ey",
    "q=from%3A%22", "q=in%3A%23", "q=before%3A", "q=after%3A9999-99-99+x", "q=is%3Anothing",
    "q=x&types=posts&page=-1", "q=x&types=%00&page=99999999999999999999", "q=x&types=tasks&page=abc",
]
FEED = [
    "actor_id=%00", "actor_id=" + "A" * 26, "until=%FF", "until=2026-13-45T00:00:00Z", "hours=1e9",
    "types=%00&types=posts", "page=-5", "page=99999999999999999999", "until=" + "9" * 3000,
]


@pytest.mark.gen_test(timeout=120)
async def test_search_and_feed_pages_answer_every_query_string(http_client, base_url):
    browser = Browser(http_client, base_url)
    await browser.sign_up("hostile-search")
    for query in HOSTILE:
        response = await browser.fetch("/search?" + query)
        assert response.code in (200, 400), (query, response.code)
        assert b"Traceback" not in response.body
    for query in FEED:
        response = await browser.fetch("/feed?" + query)
        assert response.code in (200, 400), (query, response.code)
        assert b"Traceback" not in response.body
    # The sentinel: a plain search and the Feed render their results.
    assert b'id="search-summary"' in (await browser.fetch("/search?q=hello")).body
    assert b'id="timeline"' in (await browser.fetch("/feed")).body
