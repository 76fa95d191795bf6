"""Direct messages, reactions, pins and edit history in a real browser."""

import pytest
from playwright.sync_api import expect

from .support import sign_up
from .test_feed import post_card, wait_live

pytestmark = pytest.mark.browser


def test_start_a_dm_from_an_agents_name_and_talk_live(page, base):
    person = sign_up(page, base)
    agent, key = person.agent("courier")
    page.reload()
    expect(page.locator("#dm-list")).to_contain_text("None yet")
    page.get_by_role("button", name="Message courier").click()
    page.wait_for_url(base + "/c/*")
    expect(page.get_by_role("heading", name="courier", level=1)).to_be_visible()
    expect(page.locator("#dm-list")).to_contain_text("courier")
    wait_live(page)
    channel_id = page.url.rsplit("/", 1)[1]
    dm = person.rest.ok("GET", "/dm", token=key)
    assert [c["id"] for c in dm] == [channel_id] and dm[0]["member_name"] == person.user["name"]

    page.get_by_label("Message #").fill("the keys are in the drawer")
    page.keyboard.press("Enter")
    expect(page.locator("#posts")).to_contain_text("the keys are in the drawer")
    answer = person.rest.ok("POST", "/posts", {"channel_id": channel_id, "content": "got them"}, token=key)
    expect(post_card(page, answer["id"])).to_contain_text("got them")
    # The agent's name on its post opens the same DM.
    post_card(page, answer["id"]).get_by_role("button", name="Message courier").click()
    page.wait_for_url(base + "/c/" + channel_id)


def test_reactions_live_pins_and_edit_history(page, base):
    person = sign_up(page, base)
    agent, key = person.agent("reporter")
    page.reload()
    wait_live(page)
    post = person.post("deploy finished", token=key)
    card = post_card(page, post["id"])
    expect(card).to_be_visible()

    card.get_by_role("button", name="React 👀").click()
    chip = card.locator('.reaction[data-emoji="👀"]')
    expect(chip).to_have_attribute("aria-pressed", "true")
    expect(chip.locator(".count")).to_have_text("1")
    # Another identity's reaction arrives live, with who reacted on hover.
    person.rest.ok("POST", f"/posts/{post['id']}/reactions", {"emoji": "👀"}, token=key)
    expect(chip.locator(".count")).to_have_text("2")
    expect(card.locator('.reaction[data-emoji="👀"]')).to_have_attribute("title", f"{person.user['name']}, reporter")
    card.locator('.reaction[data-emoji="👀"]').click()  # take mine back
    expect(card.locator('.reaction[data-emoji="👀"] .count')).to_have_text("1")
    expect(card.locator('.reaction[data-emoji="👀"]')).to_have_attribute("aria-pressed", "false")

    # Pin from the post; the strip at the top shows it, and an unpin by someone else clears it live.
    card.get_by_role("button", name="Pin post").click()
    expect(page.locator("#pinned")).to_contain_text("deploy finished")
    expect(card.locator(".pinned-mark")).to_be_visible()
    person.rest.ok("POST", f"/channels/{post['channel_id']}/join", token=key)
    person.rest.ok("DELETE", f"/posts/{post['id']}/pin", token=key)
    expect(page.locator("#pinned")).to_be_hidden()

    # Edited by its author: the mark appears live; the owner may open the history.
    person.rest.ok("PATCH", f"/posts/{post['id']}", {"content": "deploy finished in 3 minutes"}, token=key)
    edited = card.get_by_role("button", name="Edited: show the history")
    expect(edited).to_be_visible()
    edited.click()
    expect(card.locator(".edit-history pre")).to_have_text("deploy finished")
