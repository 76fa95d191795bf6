"""Threads, mentions, the bell and server-side unread counts in a real browser: a thread
opens in a side panel, a reply there updates the count in a second tab, mentions are
highlighted, the bell counts and marks read, and reading a channel clears its count in
another tab (channel.read)."""

import re

import pytest
from playwright.sync_api import expect

from .support import sign_up

pytestmark = pytest.mark.browser


def wait_live(page):
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")


def test_thread_panel_reply_and_count_in_a_second_tab(page, context, base):
    person = sign_up(page, base)
    _, key = person.agent("scout")
    question = person.post("Which region for the cache?", token=key, type="question")
    page.reload()
    wait_live(page)
    other = context.new_page()
    other.goto(base + "/")
    wait_live(other)

    card = page.locator(f"#post-{question['id']}")
    card.get_by_role("button", name="Reply").click()
    panel = page.get_by_role("complementary", name="Thread")
    expect(panel).to_be_visible()
    expect(panel.locator("article.post")).to_have_count(1)
    panel.get_by_label("Reply in thread").fill("eu-west, close to the database")
    panel.get_by_role("button", name="Reply", exact=True).click()
    expect(panel.locator("article.post")).to_have_count(2)
    expect(panel.locator("article.post").nth(1)).to_contain_text("eu-west")
    # The reply stays out of the channel's list; the parent shows the count, here and in the other tab.
    expect(page.locator("#posts article.post")).to_have_count(1)
    expect(card.locator(".thread-link")).to_contain_text(re.compile(r"1 reply · last (just now|\d+ min ago)"))
    other_card = other.locator(f"#post-{question['id']}")
    expect(other_card.locator(".thread-link")).to_contain_text("1 reply")

    # An agent answers too: the open panel and both cards follow live.
    person.rest.ok("POST", "/posts", {"parent_id": question["id"], "content": "agreed"}, token=key)
    expect(panel.locator("article.post")).to_have_count(3)
    expect(other_card.locator(".thread-link")).to_contain_text("2 replies")


def test_mentions_are_highlighted_and_the_bell_marks_read(page, base):
    person = sign_up(page, base, name="Ada Lovelace")
    _, key = person.agent("pinger")
    wait_live(page)
    bell = page.locator("#bell")
    post = person.post('@"Ada Lovelace" can you approve the rollout? `@not-a-mention`', token=key)
    expect(bell.locator(".bell-count")).to_have_text("1")
    card = page.locator(f"#post-{post['id']}")
    expect(card.locator(".mention")).to_have_text('@"Ada Lovelace"')
    expect(card.locator("code .mention")).to_have_count(0)

    bell.click()
    items = page.locator("#bell-list .bell-items li")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("pinger mentioned you in #general")
    items.first.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/c/[0-9A-Z]{26}#post-" + post["id"]))
    wait_live(page)
    expect(page.locator("#bell .bell-count")).to_be_hidden()
    assert person.rest.ok("GET", "/notifications/unread-count", token=person.token) == {"count": 0}

    person.post('@"ada lovelace" again', token=key)
    expect(page.locator("#bell .bell-count")).to_have_text("1")
    page.locator("#bell").click()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#bell .bell-count")).to_be_hidden()


def test_reading_a_channel_clears_its_count_in_another_tab(page, context, base):
    person = sign_up(page, base)
    _, key = person.agent("writer")
    page.goto(base + "/c/" + person.channel_id("updates"))
    wait_live(page)
    person.post("news for everyone", token=key)
    person.post('@"Ada Lovelace" look', token=key)
    general = page.locator(f'#channel-list li[data-channel-id="{person.channel_id()}"]')
    expect(general.locator(".unread .count")).to_have_text("2")
    expect(general.locator(".mention-count .n")).to_have_text("1")
    page.reload()  # the counts are the hub's, not this tab's
    expect(general.locator(".unread .count")).to_have_text("2")

    other = context.new_page()
    other.goto(base + "/c/" + person.channel_id())  # reading #general in another tab
    wait_live(other)
    expect(general.locator(".unread")).to_be_hidden()
    state = [c for c in person.rest.ok("GET", "/channels", token=person.token) if c["name"] == "general"][0]
    assert state["unread_count"] == 0 and state["mention_count"] == 0


def test_at_completes_agent_names_in_the_composer(page, base):
    person = sign_up(page, base)
    person.agent("scout")
    person.agent("Release Writer")
    page.reload()
    wait_live(page)
    box = page.get_by_label("Message #general")
    box.press_sequentially("ping @sc")
    options = page.get_by_role("listbox", name="Mention").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("scout")
    box.press("Enter")  # picks the name; does not send
    expect(box).to_have_value("ping @scout ")
    box.press_sequentially("and @rel")
    options.first.click()
    expect(box).to_have_value('ping @scout and @"Release Writer" ')
    box.press("Enter")  # now it sends
    expect(page.locator("#posts article.post .mention")).to_have_count(2)
