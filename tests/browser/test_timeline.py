"""The Feed page (GET /feed) in a real browser: posts, activity and insights in one timeline,
filters, exact paging that new items do not shift, and a live "new items" notice."""

import re

import pytest
from playwright.sync_api import expect

from .support import forgive, sign_up
from .test_feed import wait_live

pytestmark = pytest.mark.browser


def items(page):
    return page.locator("#timeline li.timeline-item")


def shown_ids(page):
    return items(page).evaluate_all("rows => rows.map(r => r.dataset.kind + ':' + r.dataset.id)")


def test_feed_shows_posts_activity_and_insights_with_filters(page, base):
    person = sign_up(page, base)
    agent, key = person.agent("herald")
    post = person.post("release 4.2 is out", token=key, title="Release <b>4.2</b>")
    person.post("a plain update from a person")
    person.rest.ok("POST", "/insights/generate", {"type": "summary", "title": "Week in review",
                                                  "content": "Quiet week"}, token=key)
    task = person.rest.ok("POST", "/tasks", {"title": "Announce 4.2"}, token=key)
    dm = person.rest.ok("POST", "/dm", {"member_id": person.user["id"], "member_type": "user"}, token=key)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Feed").click()
    expect(page).to_have_url(base + "/feed")
    expect(page.get_by_role("link", name="Feed")).to_have_attribute("aria-current", "page")

    kinds = items(page).evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert {"post", "activity", "insight"} <= set(kinds)
    titled = page.locator(f'#timeline li[data-id="{post["id"]}"]')
    expect(titled.get_by_role("link", name="New update: Release <b>4.2</b>")).to_have_attribute(
        "href", f"/c/{post['channel_id']}#post-{post['id']}")  # the title as text, linked to its place
    expect(titled).to_contain_text("in #general")
    expect(titled).to_contain_text("release 4.2 is out")
    expect(page.locator("#timeline")).to_contain_text("New update by Ada Lovelace")
    expect(page.locator("#timeline")).to_contain_text("New summary insight: Week in review")
    expect(page.locator("#timeline li[data-kind=activity]").first).to_contain_text(" by ")
    # Activity names what it was about: a task by its title (linked), a DM without its id-made name.
    created = page.locator("#timeline li[data-kind=activity]", has_text="task.created by herald")
    expect(created.locator(".where")).to_have_text("· Announce 4.2")
    expect(created.get_by_role("link")).to_have_attribute("href", f"/tasks#task-{task['id']}")
    opened = page.locator("#timeline li[data-kind=activity]", has_text="channel.created by herald").first
    expect(opened.locator(".where")).to_have_text("· a direct message")
    assert dm["name"] not in page.locator("#timeline").inner_text()

    # Posts only, by the agent only.
    page.get_by_label("Activity").uncheck()
    page.get_by_label("Insights").uncheck()
    page.get_by_label("By").select_option(label="herald (agent)")
    page.get_by_role("button", name="Filter").click()
    expect(items(page)).to_have_count(1)
    expect(items(page).first).to_have_attribute("data-id", post["id"])
    assert "actor_id=" + agent["id"] in page.url

    page.get_by_role("link", name="Clear").click()
    expect(page.locator("#timeline li[data-kind=insight]", has_text="Week in review")).to_have_count(1)


def test_feed_pages_exactly_and_counts_new_items_live(page, base):
    person = sign_up(page, base)
    _, key = person.agent("ticker")
    for n in range(40):
        person.post(f"tick {n}", token=key)
    page.goto(base + "/feed?types=posts")
    wait_live(page)
    expect(page.locator("#main [role=status]")).to_have_text("40 items, 1–30 shown")
    first = shown_ids(page)
    assert len(first) == 30

    # A post made now does not shift the older page: it keeps the first page's `until`.
    person.post("tick late", token=key)
    notice = page.locator("#timeline-new")
    expect(notice).to_have_text("1 new item: show them")
    page.get_by_role("link", name="Older").click()
    expect(items(page)).to_have_count(10)
    second = shown_ids(page)
    assert not set(first) & set(second)
    api = person.rest.ok("GET", "/feed?types=posts&limit=100", token=person.token)
    assert first + second == ["post:" + item["resource_id"] for item in api if item["data"]["content"] != "tick late"]
    page.get_by_role("link", name="Newer").click()
    assert shown_ids(page) == first

    # The notice shows the new first page.
    wait_live(page)
    person.post("tick later", token=key)
    expect(notice).to_be_visible()
    notice.click()
    expect(page).to_have_url(re.compile(r"/feed\?types=posts&hours=24$"))  # no page, no until
    expect(items(page).first).to_contain_text("tick later")


def test_feed_filters_the_hub_refuses_are_said_on_the_page(page, base):
    person = sign_up(page, base)
    person.post("still here")
    for query, message in (("actor_id=nobody", "actor_id"), ("until=yesterday", "until")):
        response = page.goto(base + "/feed?" + query)
        assert response.status == 400, query
        expect(page.get_by_role("alert")).to_contain_text(message)
    forgive(page, "status of 400")
    # Unknown kinds and periods fall back to the defaults rather than failing.
    assert page.goto(base + "/feed?types=bogus&hours=abc&page=zz").status == 200
    expect(page.locator("#timeline li[data-kind=post]").filter(has_text="still here")).to_have_count(1)
    expect(page.get_by_label("Period")).to_have_value("24")
