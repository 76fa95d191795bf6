"""The feed in a real browser: sign-up and sign-in, live posts, edits and deletes, presence,
hostile content, organizations kept apart, older posts, channels and unread counts."""

import re

import pytest
from playwright.sync_api import expect

from .support import PASSWORD, AgentSocket, forgive, sign_up

pytestmark = pytest.mark.browser


def posts(page):
    return page.locator("#posts article.post")


def post_card(page, post_id):
    return page.locator(f"#post-{post_id}")


def wait_live(page):
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")


def mark_page(page):
    """Set a flag in the page's JavaScript world: it survives only if the page never reloads."""
    page.evaluate("window.__sameDocument = true")


def assert_same_page(page):
    assert page.evaluate("window.__sameDocument === true"), "the page reloaded"


def test_sign_up_sign_out_sign_in(page, base):
    page.goto(base + "/")
    expect(page).to_have_url(base + "/signin?next=%2F")  # signed out: the feed sends you to sign in

    person = sign_up(page, base, name="Grace Hopper")
    expect(page.get_by_role("heading", name="general")).to_be_visible()
    expect(page.get_by_role("link", name="general")).to_have_attribute("aria-current", "page")
    wait_live(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(base + "/signin")
    page.goto(base + "/agents")
    expect(page).to_have_url(base + "/signin?next=%2Fagents")

    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password")
    forgive(page, "status of 401")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base + "/agents")  # back where sign-in interrupted you
    expect(page.get_by_role("heading", name="Agents", level=1)).to_be_visible()


def test_sign_up_errors_keep_what_was_typed(page, base):
    person = sign_up(page, base)
    page.get_by_role("button", name="Sign out").click()
    page.goto(base + "/signup")
    page.get_by_label("Organization name").fill("Second")
    page.get_by_label("Organization slug").fill(person.org_slug)  # taken
    page.get_by_label("Your name").fill("Someone")
    page.get_by_label("Email").fill("someone@example.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("alert")).to_contain_text("slug already exists")
    forgive(page, "status of 409")
    expect(page.get_by_label("Organization slug")).to_have_value(person.org_slug)
    expect(page.get_by_label("Organization slug")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email")).to_have_value("someone@example.test")


def test_agent_posts_appear_live_then_change_and_vanish(page, base):
    person = sign_up(page, base)
    agent, key = person.agent("reporter")
    wait_live(page)
    mark_page(page)

    post = person.post("Build **green** on `main`", token=key, type="update", title="CI status")
    card = post_card(page, post["id"])
    expect(card).to_be_visible()
    expect(card.locator(".author")).to_have_text("reporter")
    expect(card.locator(".badge")).to_have_text("update")
    expect(card.locator(".post-title")).to_have_text("CI status")
    expect(card.locator(".post-body strong")).to_have_text("green")  # Markdown, rendered
    expect(card.locator(".post-body code")).to_have_text("main")
    expect(card.get_by_role("button", name="Edit post")).to_have_count(0)  # not mine

    person.rest.ok("PATCH", f"/posts/{post['id']}", {"content": "Build **red** on `main`"}, token=key)
    expect(card.locator(".post-body strong")).to_have_text("red")
    expect(card.locator(".edited")).to_be_visible()

    alert = person.post("Disk at 95%", token=key, type="alert")
    expect(post_card(page, alert["id"])).to_have_class("post type-alert")
    expect(posts(page).first).to_have_attribute("id", f"post-{alert['id']}")  # newest first

    person.rest.ok("DELETE", f"/posts/{post['id']}", token=key)
    expect(card).to_have_count(0)
    expect(posts(page)).to_have_count(1)
    assert_same_page(page)


def test_composer_edit_and_delete_own_post(page, base):
    sign_up(page, base)
    wait_live(page)
    box = page.get_by_label("Message #general")
    box.fill("first line")
    box.press("Shift+Enter")  # a new line, not a send
    box.press_sequentially("second line")
    expect(posts(page)).to_have_count(0)
    box.press("Enter")
    expect(posts(page)).to_have_count(1)
    mine = post_card(page, posts(page).first.get_attribute("data-post-id"))
    expect(mine.locator(".post-body")).to_have_text("first line\nsecond line")
    expect(posts(page)).to_have_count(1)  # the socket's echo does not add a second card
    expect(box).to_have_value("")

    page.get_by_label("Title (optional)").fill("Heads up")
    page.get_by_label("Post type").select_option("question")
    box.fill("Does anyone know?")
    page.get_by_role("button", name="Send").click()
    question = page.locator("article.type-question")
    expect(question.locator(".post-title")).to_have_text("Heads up")

    mine.get_by_role("button", name="Edit post").click()
    editor = mine.get_by_label("Post content")
    expect(editor).to_have_value("first line\nsecond line")
    editor.fill("edited *text*")
    mine.get_by_role("button", name="Save").click()
    expect(mine.locator(".post-body em")).to_have_text("text")

    page.once("dialog", lambda dialog: dialog.accept())
    question.get_by_role("button", name="Delete post").click()
    expect(question).to_have_count(0)
    page.reload()
    expect(posts(page)).to_have_count(1)
    expect(posts(page).first.locator(".post-body")).to_have_text("edited text")


def test_presence_dot_follows_the_agents_socket(page, base):
    person = sign_up(page, base)
    agent, key = person.agent("watcher", description="Watches things")
    page.reload()
    dot = page.locator(f'#agent-list li[data-agent-id="{agent["id"]}"] .dot')
    expect(dot).to_have_attribute("data-status", "offline")
    wait_live(page)

    socket = AgentSocket(base, key)
    try:
        expect(dot).to_have_attribute("data-status", "online")
        expect(dot).to_have_attribute("aria-label", "online")
        expect(page.locator(f'#agent-list li[data-agent-id="{agent["id"]}"] .last-seen')).to_have_text("just now")
    finally:
        socket.close()
    expect(dot).to_have_attribute("data-status", "offline")

    # An agent registered after the page loaded shows up when it first comes online.
    newcomer, newcomer_key = person.agent("newcomer")
    socket = AgentSocket(base, newcomer_key)
    try:
        expect(page.locator(f'#agent-list li[data-agent-id="{newcomer["id"]}"] .dot')).to_have_attribute(
            "data-status", "online"
        )
    finally:
        socket.close()


HOSTILE = (
    '<script>window.__pwned = "script"</script>'
    '<img src="x" onerror="window.__pwned = \'img\'">'
    '<svg onload="window.__pwned = \'svg\'"></svg>'
    "[click me](javascript:window.__pwned='link') "
    "[data](data:text/html,<script>alert(1)</script>) "
    '<a href="javascript:window.__pwned=1">raw link</a> '
    "![x](javascript:window.__pwned='image')"
)
HOSTILE_TITLE = '<img src=x onerror="window.__pwned=\'title\'">'
HOSTILE_NAME = '<script>window.__pwned="name"</script><b onmouseover=alert(1)>bot</b>'


def assert_inert(page):
    """Nothing from a post became markup that can run: no script, no handler attributes, no
    javascript: or data: links, and the payloads never ran."""
    assert page.evaluate("window.__pwned") is None
    for selector in ("script", "img", "svg", "iframe", "[onerror]", "[onload]", "[onmouseover]",
                     "a[href^='javascript']", "a[href^='data']"):
        assert page.locator(f"#posts {selector}, #agent-list {selector}").count() == 0, selector


def test_hostile_post_title_and_agent_name_render_inert(page, base):
    person = sign_up(page, base)
    agent, key = person.agent(HOSTILE_NAME)
    wait_live(page)
    socket = AgentSocket(base, key)  # its name now arrives live in the sidebar
    try:
        post = person.post(HOSTILE, token=key, title=HOSTILE_TITLE, type="alert")
        card = post_card(page, post["id"])
        expect(card.locator(".post-title")).to_have_text(HOSTILE_TITLE)  # shown as text, as typed
        expect(card.locator(".author")).to_have_text(HOSTILE_NAME)
        expect(card.locator(".post-body")).to_contain_text('<script>window.__pwned = "script"</script>')
        assert card.locator("a", has_text="click me").get_attribute("href") is None  # kept as text, not a link
        expect(page.locator(f'#agent-list li[data-agent-id="{agent["id"]}"] .agent-name')).to_have_text(HOSTILE_NAME)
        assert_inert(page)

        page.reload()  # the server-rendered first screen is inert too
        expect(post_card(page, post["id"]).locator(".post-title")).to_have_text(HOSTILE_TITLE)
        assert_inert(page)
        page.goto(base + "/search?q=click")
        expect(page.locator("article.post")).to_have_count(1)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("article.post script, article.post [onerror], a[href^='javascript']").count() == 0
    finally:
        socket.close()


def test_another_organizations_posts_never_show(page, base, browser):
    person = sign_up(page, base)
    wait_live(page)

    other_context = browser.new_context()
    other_page = other_context.new_page()
    try:
        stranger = sign_up(other_page, base, name="Stranger")
    finally:
        other_context.close()
    _, stranger_key = stranger.agent("stranger-bot")
    secret = stranger.post("the other org's secret", token=stranger_key)
    stranger.post("more of the other org's secrets")

    # The socket delivers in order: once our own later post is on screen, theirs had its chance.
    mine = person.post("our own post")
    expect(post_card(page, mine["id"])).to_be_visible()
    expect(page.get_by_text("secret")).to_have_count(0)
    expect(page.get_by_text("stranger-bot")).to_have_count(0)

    # Their ids, typed into our address bar, are not found.
    response = page.goto(f"{base}/c/{stranger.channel_id()}")
    assert response.status == 404
    forgive(page, "status of 404")
    assert page.request.get(f"{base}/ui/posts/{secret['id']}").status == 404
    page.goto(base + "/search?q=secret")
    expect(page.locator("article.post")).to_have_count(0)


def test_older_posts_load_on_scroll_each_once(page, base):
    person = sign_up(page, base)
    created = [person.post(f"numbered post {n}")["id"] for n in range(45)]
    page.reload()
    expect(posts(page)).to_have_count(30)
    page.locator("#load-older").scroll_into_view_if_needed()
    expect(posts(page)).to_have_count(45)
    expect(page.locator("#load-older")).to_be_hidden()
    shown = page.locator("#posts article.post").evaluate_all("cards => cards.map(c => c.dataset.postId)")
    assert shown == list(reversed(created))  # newest first, none twice, none missing


def test_channels_create_join_and_unread_counts(page, base):
    person = sign_up(page, base)
    _, key = person.agent("organizer")
    wait_live(page)

    # A public channel someone else made appears live under "More channels", and can be joined.
    channel = person.rest.ok("POST", "/channels", {"name": "research", "type": "public"}, token=key)
    more = page.locator(f'#more-channels li[data-channel-id="{channel["id"]}"]')
    expect(more).to_be_visible()
    more.get_by_role("button", name="Join research").click()
    joined = page.locator(f'#channel-list li[data-channel-id="{channel["id"]}"]')
    expect(joined).to_be_visible()
    expect(more).to_have_count(0)

    # Posts in channels not on screen raise their unread count; opening the channel clears it.
    person.rest.ok("POST", "/posts", {"channel_id": channel["id"], "content": "one"}, token=key)
    person.post("two", token=key, channel="updates")
    person.rest.ok("POST", "/posts", {"channel_id": channel["id"], "content": "three"}, token=key)
    expect(joined.locator(".unread .count")).to_have_text("2")
    updates = page.locator(f'#channel-list li[data-channel-id="{person.channel_id("updates")}"]')
    expect(updates.locator(".unread .count")).to_have_text("1")
    expect(joined.get_by_role("link")).to_have_accessible_name(re.compile(r"^research\s*,\s*2 unread$"))

    # The count survives a reload (the read pointer is on the hub)...
    page.reload()
    expect(joined.locator(".unread .count")).to_have_text("2")
    joined.get_by_role("link").click()
    expect(page.get_by_role("heading", name="research")).to_be_visible()
    expect(posts(page)).to_have_count(2)
    expect(joined.locator(".unread")).to_be_hidden()
    page.get_by_role("link", name="general").click()
    expect(joined.locator(".unread")).to_be_hidden()  # ...and reading clears it for good

    # Create a private channel from the sidebar: it opens at once.
    page.get_by_text("New channel").click()
    page.get_by_label("Channel name").fill("secret-plans")
    page.get_by_label("Private").check()
    page.get_by_role("button", name="Create channel").click()
    expect(page.get_by_role("heading", name="secret-plans")).to_be_visible()
    expect(page.locator("#channel-list").get_by_text("secret-plans")).to_be_visible()
    page.get_by_text("New channel").click()
    page.get_by_label("Channel name").fill("secret-plans")
    page.get_by_role("button", name="Create channel").click()
    expect(page.locator("#new-channel-form .form-error")).to_contain_text("already exists")
    forgive(page, "status of 409")


def test_a_member_of_many_channels_follows_them_all(page, base):
    """More joined channels than the hub's message burst allows at once: the page paces its
    subscriptions, so even the last channel's posts reach its unread count live."""
    person = sign_up(page, base)
    for n in range(70):
        person.rest.ok("POST", "/channels", {"name": f"bulk-{n:02d}", "type": "public"}, token=person.token)
    last = person.rest.ok("POST", "/channels", {"name": "zz-last", "type": "public"}, token=person.token)
    _, key = person.agent("chatty")
    page.reload()
    wait_live(page)
    person.rest.ok("POST", "/posts", {"channel_id": last["id"], "content": "in the last channel"}, token=key)
    badge = page.locator(f'#channel-list li[data-channel-id="{last["id"]}"] .unread .count')
    expect(badge).to_have_text("1")
