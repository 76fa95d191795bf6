"""The search box and page in a real browser: operator suggestions, results grouped by kind
with the matched words marked, hostile content shown as text, private channels and DMs never
found by non-members, bad queries answered on the page, links to a reply's thread."""

import re

import pytest
from playwright.sync_api import expect

from .support import Rest, forgive, sign_up
from .test_feed import wait_live

pytestmark = pytest.mark.browser


def search_box(page):
    return page.get_by_role("combobox", name="Search")


def suggestions(page):
    return page.locator("#search-suggestions li")


def test_search_box_suggests_operators_and_values(page, base):
    person = sign_up(page, base)
    person.agent("scout", description="Watches the billing runs")
    person.agent("sentry")
    person.rest.ok("POST", "/channels", {"name": "alerts-eu", "type": "public"}, token=person.token)
    person.post("billing failed for 3 invoices", channel="alerts", type="alert")
    page.reload()
    wait_live(page)
    box = search_box(page)

    # A few letters of an operator suggest it (a hint: Enter would still search the word)...
    box.click()
    box.press_sequentially("fr")
    expect(suggestions(page)).to_have_text([re.compile(r"^from:")])
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Tab")
    expect(box).to_have_value("from:")
    # ...and then its values: me, the agents, the people.
    expect(suggestions(page).first).to_contain_text("from:me")
    expect(suggestions(page).filter(has_text="from:scout")).to_have_count(1)
    box.press_sequentially("sc")
    expect(suggestions(page)).to_have_text([re.compile(r"^from:scout\s*agent$")])
    box.press("Enter")
    expect(box).to_have_value("from:scout ")

    # in: completes channel names, those starting with the letters first; Arrow keys move,
    # Enter picks.
    box.press_sequentially("in:al")
    expect(suggestions(page)).to_have_text(["in:alerts", "in:alerts-eu", "in:general"])
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")
    expect(box).to_have_value("from:scout in:alerts ")

    # type: offers the post types; a click picks one.
    box.press_sequentially("type:a")
    expect(suggestions(page)).to_have_text(["type:answer", "type:alert"])
    suggestions(page).filter(has_text="type:alert").click()
    expect(box).to_have_value("from:scout in:alerts type:alert ")

    # A person's name with a space is quoted.
    box.press_sequentially("from:ada")
    expect(suggestions(page).filter(has_text='from:Ada Lovelace')).to_have_count(1)
    box.press("Escape")
    expect(suggestions(page)).to_have_count(0)

    # "in" typed as a word: Enter searches, it does not take the hint.
    box.fill("")
    box.press_sequentially("in")
    expect(suggestions(page)).to_have_text([re.compile(r"^in:")])
    box.press("Escape")
    box.fill("billing in:alerts")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=billing\+in%3Aalerts$"))
    expect(page.locator("#results-posts article.post")).to_have_count(1)


def test_results_grouped_by_kind_with_matched_words_marked(page, base):
    person = sign_up(page, base)
    agent, key = person.agent("ledger", description="Reconciles the billing runs", capabilities=["billing", "audit"])
    person.rest.ok("POST", "/channels", {"name": "billing-ops", "description": "Where bills are argued"}, token=key)
    person.post("Billing failed for 3 invoices; the bills go out tomorrow", token=key)
    person.post("nothing to see here")
    person.rest.ok("POST", "/tasks", {"title": "Retry the billing export"}, token=key)
    person.rest.ok("POST", "/insights/generate", {"type": "trend", "title": "Billing retries doubled",
                                                  "content": "Retries after billed card declines doubled"}, token=key)
    page.goto(base + "/search?q=billing")

    expect(page.locator("#search-summary")).to_have_text("5 results for “billing”")
    headings = page.locator(".result-group h2")
    expect(headings).to_have_text([re.compile(r"^Posts \(1\)"), re.compile(r"^Agents \(1\)"),
                                   re.compile(r"^Channels \(1\)"), re.compile(r"^Tasks \(1\)"),
                                   re.compile(r"^Insights \(1\)")])
    nav = page.get_by_role("navigation", name="Kinds of result")
    expect(nav.get_by_role("link", name="All 5")).to_have_attribute("aria-current", "page")
    # Stems match: "billing" marks Billing, bills, billed, as the index found them.
    post = page.locator("#results-posts article.post")
    expect(post.locator("mark")).to_have_text(["Billing", "bills"])
    expect(post.locator(".post-body")).to_have_text("Billing failed for 3 invoices; the bills go out tomorrow")
    expect(page.locator("#results-agents mark")).to_have_text(["billing", "billing"])
    expect(page.locator("#results-agents").get_by_role("link", name="ledger")).to_have_attribute("href", f"/agents#agent-{agent['id']}")
    expect(page.locator("#results-channels mark")).to_have_text(["billing", "bills"])
    expect(page.locator("#results-insights mark")).to_have_text(["Billing", "billed"])
    expect(page.locator("#results-tasks mark")).to_have_text(["billing"])

    # An agent opens on the Agents page, at its card.
    page.locator("#results-agents").get_by_role("link", name="ledger").click()
    expect(page.locator(f"#agent-{agent['id']}")).to_be_in_viewport()
    page.go_back()

    # A task opens in the board's dialog.
    page.locator("#results-tasks").get_by_role("link", name="Retry the billing export").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    expect(page.get_by_role("dialog").get_by_label("Title")).to_have_value("Retry the billing export")
    page.go_back()

    # Reacting re-renders the card; it keeps its channel link and its marks.
    post.get_by_role("button", name="React 👍").click()
    expect(post.locator('.reaction[data-emoji="👍"] .count')).to_have_text("1")
    expect(post.locator("mark")).to_have_text(["Billing", "bills"])
    expect(post.get_by_role("link", name="#general")).to_be_visible()

    # One kind alone.
    nav.get_by_role("link", name=re.compile(r"^Posts")).click()
    expect(page).to_have_url(re.compile(r"types=posts"))
    expect(page.locator(".result-group")).to_have_count(1)
    expect(page.locator("#search-summary")).to_have_text("1 result for “billing”")

    # The channel link opens the post in its channel.
    post.get_by_role("link", name="#general").click()
    expect(page.get_by_role("heading", name="general", level=1)).to_be_visible()


def test_operators_alone_paging_and_a_bad_date(page, base):
    person = sign_up(page, base)
    _, key = person.agent("counter")
    made = [person.post(f"tick {n}", token=key, type="metric")["id"] for n in range(23)]
    page.goto(base + "/search?q=" + "from%3Acounter+type%3Ametric")
    expect(page.locator("#search-summary")).to_have_text("23 results for “from:counter type:metric”")
    expect(page.locator("#results-posts article.post")).to_have_count(5)
    page.get_by_role("link", name="All 23 posts").click()
    expect(page.locator("#results-posts article.post")).to_have_count(20)
    page.get_by_role("link", name="Next").click()
    expect(page.locator("#results-posts article.post")).to_have_count(3)
    shown = page.locator("#results-posts article.post").evaluate_all("cards => cards.map(c => c.dataset.postId)")
    assert shown == list(reversed(made))[20:]  # operators alone: newest first, exact paging

    # A date the hub cannot read is said on the page, with the query kept.
    response = page.goto(base + "/search?q=" + "after%3Ayesterday+tick")
    assert response.status == 400
    forgive(page, "status of 400")
    expect(page.get_by_role("alert")).to_contain_text("before: and after: take a date")
    expect(search_box(page)).to_have_value("after:yesterday tick")
    # Hostile syntax is just words.
    for q in ['"unbalanced', "NEAR(tick", "tick*", "-tick ^", "x" * 500]:
        assert page.goto(base + "/search?q=" + q.replace("^", "%5E")).status == 200


HOSTILE = '<img src=x onerror="window.__pwned=1">zebra <script>window.__pwned=2</script>'


def test_hostile_content_in_results_shows_as_text(page, base):
    person = sign_up(page, base)
    _, key = person.agent('zebra<img src=x onerror="window.__pwned=3">', description=HOSTILE)
    person.rest.ok("POST", "/channels", {"name": "zebra-den", "description": HOSTILE}, token=key)
    person.post(HOSTILE, token=key, title='zebra <svg onload="window.__pwned=4">')
    person.rest.ok("POST", "/insights/generate", {"type": "anomaly", "title": HOSTILE, "content": HOSTILE}, token=key)
    person.rest.ok("POST", "/tasks", {"title": HOSTILE[:200], "description": HOSTILE}, token=key)
    page.goto(base + "/search?q=zebra+pwned")
    expect(page.locator("#search-summary")).to_have_text("5 results for “zebra pwned”")
    expect(page.locator("#results-tasks .result-title")).to_have_text(HOSTILE[:200])
    results = page.locator("#search-results")
    expect(results.locator("mark").first).to_be_visible()
    expect(page.locator("#results-insights .result-title")).to_have_text(HOSTILE)
    expect(page.locator("#results-posts .post-title")).to_have_text('zebra <svg onload="window.__pwned=4">')
    assert page.evaluate("window.__pwned") is None
    assert results.locator("img, script, svg, [onerror], [onload]").count() == 0
    # The search box echoes the query as text too.
    page.goto(base + "/search?q=" + "%3Cscript%3Ewindow.__pwned%3D5%3C%2Fscript%3E")
    expect(search_box(page)).to_have_value("<script>window.__pwned=5</script>")
    assert page.evaluate("window.__pwned") is None


def test_private_channels_and_dms_are_never_found_by_non_members(page, base):
    person = sign_up(page, base)  # the owner: no exception for owners (SPEC 6.1)
    _, key = person.agent("keeper")
    _, other_key = person.agent("visitor")
    rest = Rest(base)
    vault = rest.ok("POST", "/channels", {"name": "vault-zebra", "type": "private", "description": "zebra"}, token=key)
    rest.ok("POST", "/posts", {"channel_id": vault["id"], "content": "zebra combination 4-8-15"}, token=key)
    visitor = rest.ok("GET", "/auth/me", token=other_key)["agent"]
    dm = rest.ok("POST", "/dm", {"member_id": visitor["id"], "member_type": "agent"}, token=key)
    rest.ok("POST", "/posts", {"channel_id": dm["id"], "content": "zebra whisper"}, token=key)
    public = person.post("zebra crossing", token=key)

    for q in ("zebra", "zebra in:vault-zebra", "in:vault-zebra", "from:keeper", "zebra whisper", "combination"):
        page.goto(base + "/search?q=" + q.replace(" ", "+").replace(":", "%3A"))
        expect(page.locator("#search-summary")).to_be_visible()
        shown = page.locator("#search-results").inner_text()
        assert "combination" not in shown and "whisper" not in shown and "vault" not in shown, (q, shown)
    # The sentinel: the public post is found, so the search did run and reads the same data.
    page.goto(base + "/search?q=zebra")
    expect(page.locator("#search-summary")).to_have_text("1 result for “zebra”")
    expect(page.locator(f"#post-{public['id']}")).to_be_visible()
    # The members themselves find them (the same search, another identity).
    found = rest.ok("GET", "/search?q=zebra", token=key)
    assert {p["content"] for p in found["posts"]} >= {"zebra combination 4-8-15", "zebra whisper"}

    # Nor does the Feed show them.
    page.goto(base + "/feed")
    expect(page.locator("#timeline")).to_contain_text("zebra crossing")
    assert "combination" not in page.locator("#timeline").inner_text()
    assert "whisper" not in page.locator("#timeline").inner_text()


def test_a_found_reply_opens_in_its_thread(page, base):
    person = sign_up(page, base)
    root = person.post("where do the logs go?")
    reply = person.rest.ok("POST", "/posts", {"parent_id": root["id"], "content": "logs go to the quokka bucket"},
                           token=person.token)
    page.goto(base + "/search?q=quokka+is%3Areply")
    card = page.locator(f"#post-{reply['id']}")
    expect(card).to_be_visible()
    card.get_by_role("link", name="#general").click()
    expect(page).to_have_url(re.compile(rf"\?thread={root['id']}#post-{reply['id']}$"))
    expect(page.locator("#thread-panel")).to_be_visible()
    expect(page.locator(f"#thread-post-{reply['id']}")).to_contain_text("quokka bucket")
