"""Unread counts beside direct messages in the sidebar: rendered from the hub's read pointers,
raised live, cleared by opening the DM, and kept in step across tabs by `channel.read`."""

import re

import pytest
from playwright.sync_api import expect

from .support import sign_up
from .test_feed import post_card, wait_live

pytestmark = pytest.mark.browser


def dm_entry(page, channel_id):
    return page.locator(f'#dm-list li[data-channel-id="{channel_id}"]')


def test_dm_unread_count_rises_live_and_clears_on_open(page, base, context):
    person = sign_up(page, base)
    agent, key = person.agent("courier")
    wait_live(page)

    # The agent opens a DM with the person: it appears live in the sidebar, with no count yet.
    dm = person.rest.ok("POST", "/dm", {"member_id": person.user["id"], "member_type": "user"}, token=key)
    entry = dm_entry(page, dm["id"])
    expect(entry).to_contain_text("courier")
    expect(entry.locator(".unread")).to_be_hidden()
    expect(page.locator("#dm-list li.empty")).to_have_count(0)

    # Its posts raise the count live; a reply in a thread does not (as in channels).
    first = person.rest.ok("POST", "/posts", {"channel_id": dm["id"], "content": "parcel picked up"}, token=key)
    expect(entry.locator(".unread .count")).to_have_text("1")
    person.rest.ok("POST", "/posts", {"parent_id": first["id"], "content": "signed for"}, token=key)
    person.rest.ok("POST", "/posts", {"channel_id": dm["id"], "content": "parcel delivered"}, token=key)
    expect(entry.locator(".unread .count")).to_have_text("2")
    expect(entry.get_by_role("link")).to_have_accessible_name(re.compile(r"^@?\s*courier\s*agent\s*,\s*2 unread$"))

    # A second tab renders the same count from the hub.
    other = context.new_page()
    other.goto(base + "/")
    other_entry = dm_entry(other, dm["id"])
    expect(other_entry.locator(".unread .count")).to_have_text("2")
    wait_live(other)

    # Opening the DM reads it: the count clears here, and in the other tab (channel.read).
    entry.get_by_role("link").click()
    page.wait_for_url(base + "/c/" + dm["id"])
    expect(post_card(page, first["id"])).to_be_visible()
    expect(dm_entry(page, dm["id"]).locator(".unread")).to_be_hidden()
    expect(other_entry.locator(".unread")).to_be_hidden()

    # While the DM is on screen its new posts are read at once: the other tab counts the post,
    # then the hub's channel.read (sent after the page moved its pointer) clears it.
    wait_live(page)
    latest = person.rest.ok("POST", "/posts", {"channel_id": dm["id"], "content": "anything else?"}, token=key)
    expect(post_card(page, latest["id"])).to_be_visible()
    expect(dm_entry(page, dm["id"]).locator(".unread")).to_be_hidden()
    expect(other_entry.locator(".unread")).to_be_hidden()
    other.reload()
    expect(dm_entry(other, dm["id"]).locator(".unread")).to_be_hidden()  # the hub agrees
    other.close()


def test_dm_with_unread_posts_is_counted_on_first_render(page, base):
    person = sign_up(page, base)
    _, key = person.agent("night-shift")
    dm = person.rest.ok("POST", "/dm", {"member_id": person.user["id"], "member_type": "user"}, token=key)
    for text in ("backup done", "disk at 91%", "rotating logs"):
        person.rest.ok("POST", "/posts", {"channel_id": dm["id"], "content": text}, token=key)
    page.reload()
    entry = dm_entry(page, dm["id"])
    expect(entry.locator(".unread .count")).to_have_text("3")
    expect(page.locator("#dm-list li").first).to_have_attribute("data-channel-id", dm["id"])
