"""What a newcomer meets in the first ten minutes, in a real browser: the composer's count
and its refusal of a too-long or blank post, long posts folded, a new agent appearing in
every open page, "last active" for an agent that only used REST, names and links in the
activity log, and a curl snippet that prints cleanly."""

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from .support import sign_up

pytestmark = pytest.mark.browser

ULID = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{26}\b")


def wait_live(page):
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")


def test_composer_counts_near_the_limit_and_refuses_above_it(page, base):
    person = sign_up(page, base)
    box = page.get_by_label("Message #general")
    count = page.locator("#composer-count")

    box.fill("short")
    expect(count).to_be_hidden()  # no count for ordinary messages
    box.fill("x" * 18_500)
    expect(count).to_have_text("18,500 / 20,000")
    box.fill("é" * 20_000)  # the limit counts characters, not bytes
    expect(count).to_have_text("20,000 / 20,000")
    expect(count).not_to_have_class(re.compile("over"))

    pasted = "y" * 25_000
    box.fill(pasted)
    expect(count).to_have_text("25,000 / 20,000")
    expect(count).to_have_class(re.compile("over"))
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_have_text(
        "This message is 25,000 characters long; the limit is 20,000. "
        "Shorten it by 5,000 characters, or split it into several posts.")
    assert box.input_value() == pasted  # nothing cut, nothing sent
    assert person.rest.ok("GET", f"/channels/{person.channel_id()}/posts", token=person.token) == []

    # Shortened to the limit: the refusal goes away and Send posts every character.
    box.fill("z" * 20_000)
    expect(page.get_by_role("alert")).to_be_hidden()
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#posts article.post")).to_have_count(1)
    posted = person.rest.ok("GET", f"/channels/{person.channel_id()}/posts", token=person.token)
    assert [len(p["content"]) for p in posted] == [20_000]


def test_a_blank_post_says_why_it_is_not_sent(page, base):
    person = sign_up(page, base)
    box = page.get_by_label("Message #general")
    box.fill("   \n\t  ")
    box.press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Nothing to send: the message is only spaces or blank lines.")
    box.fill("")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_have_text("Nothing to send: write a message first.")
    box.fill("now with words")
    expect(page.get_by_role("alert")).to_be_hidden()
    box.press("Enter")
    expect(page.locator("#posts article.post")).to_have_count(1)
    assert len(person.rest.ok("GET", f"/channels/{person.channel_id()}/posts", token=person.token)) == 1


def test_long_posts_fold_with_show_more(page, base):
    person = sign_up(page, base)
    agent, key = person.agent("verbose")
    wait_live(page)
    long_post = person.post("\n\n".join(f"Paragraph {n} of a very long report." for n in range(1, 121)), token=key)
    short_post = person.post("A short one.", token=key)  # arrives live, after the long one

    short_card = page.locator(f"#post-{short_post['id']}")
    expect(short_card).to_be_visible()
    expect(short_card.get_by_role("button", name="Show more")).to_have_count(0)
    card = page.locator(f"#post-{long_post['id']}")
    more = card.get_by_role("button", name="Show more")
    expect(more).to_have_attribute("aria-expanded", "false")
    assert card.locator(".post-body").bounding_box()["height"] < 500
    expect(card.get_by_text("Paragraph 120 of")).not_to_be_in_viewport()

    more.click()
    less = card.get_by_role("button", name="Show less")
    expect(less).to_have_attribute("aria-expanded", "true")
    assert card.locator(".post-body").bounding_box()["height"] > 2000
    less.click()
    expect(card.get_by_role("button", name="Show more")).to_be_visible()

    page.reload()  # rendered by the server this time: folded the same way
    expect(page.locator(f"#post-{long_post['id']}").get_by_role("button", name="Show more")).to_be_visible()


def test_a_new_agent_appears_at_once_in_every_open_page(page, base, context):
    person = sign_up(page, base)
    agents_page = context.new_page()
    agents_page.goto(base + "/agents")
    wait_live(page)
    wait_live(agents_page)

    agent, _ = person.agent("newcomer-bot", description="Arrived while you watched", capabilities=["greet"])
    for shown in (page, agents_page):
        expect(shown.locator(f'#agent-list li[data-agent-id="{agent["id"]}"] .agent-name')).to_have_text("newcomer-bot")
    card = agents_page.locator(f'#agent-cards [data-agent-id="{agent["id"]}"]')
    expect(card.locator(".description")).to_have_text("Arrived while you watched")
    expect(card.locator(".status-text")).to_have_text("offline")

    # Registered in this page: one card, whichever of the event and the answer comes first.
    agents_page.get_by_label("Name", exact=True).fill("second-bot")
    agents_page.get_by_role("button", name="Register agent").click()
    expect(agents_page.locator("#key-panel")).to_be_visible()
    expect(agents_page.locator(".agent-card", has_text="second-bot")).to_have_count(1)
    expect(page.locator("#agent-list li", has_text="second-bot")).to_have_count(1)
    agents_page.close()


def test_an_agent_that_only_used_rest_shows_when_it_was_last_active(page, base):
    person = sign_up(page, base)
    agent, key = person.agent("rest-only")
    page.goto(base + "/agents")
    card = page.locator(".agent-card", has_text="rest-only")
    expect(card).to_contain_text("Last active: never")

    person.rest.ok("GET", "/channels", token=key)  # any authenticated request counts
    # Written beside the request, never in its way: a reload shows it once stored.
    for _ in range(50):
        page.reload()
        if "just now" in card.inner_text():
            break
        page.wait_for_timeout(100)
    expect(card).to_contain_text("Last active: just now")
    expect(page.locator(f'#agent-list li[data-agent-id="{agent["id"]}"] .last-seen')).to_have_text("just now")

    # And live: a post by an agent moves its "last active" on every open page.
    other, other_key = person.agent("poster-bot")
    page.reload()
    wait_live(page)
    seen = page.locator(f'#agent-list li[data-agent-id="{other["id"]}"] .last-seen')
    expect(seen).to_have_text("never")
    person.post("hello from REST", token=other_key)
    expect(seen).to_have_text("just now")


def test_activity_shows_names_and_links_not_ids(page, base):
    person = sign_up(page, base, name="Ada Lovelace")
    agent, key = person.agent("auditor")
    post = person.post("An entry worth linking", token=key, title="Quarterly check")
    person.rest.ok("POST", "/channels", {"name": "audit-trail", "type": "public"}, token=person.token)

    page.goto(base + "/activity")
    table = page.locator("table.activity")
    row = table.locator("tr", has_text="post.created")
    expect(row).to_contain_text("auditor")
    expect(row.get_by_role("link", name="Quarterly check")).to_have_attribute(
        "href", f"/c/{post['channel_id']}#post-{post['id']}")
    expect(row.get_by_role("link", name="#general")).to_have_attribute("href", f"/c/{post['channel_id']}")
    expect(table.locator("tr", has_text="channel.created").get_by_role("link", name="#audit-trail")).to_be_visible()
    expect(table.locator("tr", has_text="agent.registered")).to_contain_text("Ada Lovelace")
    expect(table.locator("tr", has_text="agent.registered")).to_contain_text("auditor")
    assert ULID.findall(table.inner_text()) == []  # not one raw id left

    row.get_by_role("link", name="Quarterly check").click()
    expect(page.locator(f"#post-{post['id']}")).to_be_visible()


def test_replies_say_they_are_replies(page, base):
    person = sign_up(page, base)
    question = person.post("Is the build green?", type="question")
    reply = person.post("Yes, #1966.", parent_id=question["id"], type="answer")
    page.reload()
    # Replies live in their thread (the side panel), not in the channel's list.
    expect(page.locator(f"#posts #post-{reply['id']}")).to_have_count(0)
    page.locator(f"#post-{question['id']}").get_by_role("button", name="1 reply").click()
    card = page.locator(f"#thread-post-{reply['id']}")
    link = card.get_by_role("link", name="↳ reply to a post")
    expect(link).to_have_attribute("href", f"/c/{question['channel_id']}#post-{question['id']}")


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")
def test_the_curl_snippet_prints_the_answer_on_its_own_line(page, base):
    sign_up(page, base)
    page.get_by_role("link", name="Agents").click()
    page.get_by_label("Name", exact=True).fill("curl-bot")
    page.get_by_role("button", name="Register agent").click()
    expect(page.locator("#snippet-curl")).to_contain_text("curl-bot")
    snippet = page.locator("#snippet-curl").inner_text()
    assert snippet.startswith("curl -s -w '\\n' -X POST ")
    result = subprocess.run(["sh", "-c", snippet], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stderr == "", result.stderr  # no progress meter
    assert result.stdout.startswith('{"success":true') and result.stdout.endswith("}\n"), result.stdout
