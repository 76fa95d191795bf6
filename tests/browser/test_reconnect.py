"""An open page across hub restarts: it resumes with `since` (what happened meanwhile appears,
once), reloads after `resync_required`, and goes to sign-in when its session is gone.

These tests restart this module's hub on the same port and database, so they live apart
from the other browser tests."""

import re
import sqlite3

import pytest
from playwright.sync_api import expect

from .support import forgive, sign_up

pytestmark = pytest.mark.browser


def state(page):
    return page.locator("#connection")


def card(page, post_id):
    return page.locator(f"#post-{post_id}")


class TokenGate:
    """Holds the page's token requests (so it cannot reconnect) until opened: posts made while
    it is held are certain to have been made while the page was away."""

    def __init__(self, page):
        self.closed = True
        page.route("**/ui/token", self.handle)

    def handle(self, route):
        if self.closed:
            route.abort()
        else:
            route.continue_()


def test_posts_made_while_away_appear_once_after_reconnect(page, base, hub):
    page.allow_network_errors = True  # the hub is down on purpose for a while
    person = sign_up(page, base)
    _, key = person.agent("night-shift")
    expect(state(page)).to_have_attribute("data-state", "live")
    page.evaluate("window.__sameDocument = true")
    before = person.post("before the restart", token=key)
    expect(card(page, before["id"])).to_be_visible()

    gate = TokenGate(page)
    hub.stop()
    expect(state(page)).to_have_attribute("data-state", "reconnecting")
    expect(state(page)).to_have_text("Reconnecting…")
    hub.start()  # same port, same database
    missed = [person.post(f"made while away {n}", token=key)["id"] for n in range(3)]
    person.rest.ok("PATCH", f"/posts/{before['id']}", {"content": "edited while away"}, token=key)
    gone = person.post("made and deleted while away", token=key)
    person.rest.ok("DELETE", f"/posts/{gone['id']}", token=key)
    expect(state(page)).to_have_attribute("data-state", "reconnecting")

    gate.closed = False
    expect(state(page)).to_have_attribute("data-state", "live")
    for post_id in missed:
        expect(card(page, post_id)).to_have_count(1)
    expect(card(page, before["id"]).locator(".post-body")).to_have_text("edited while away")
    shown = page.locator("#posts article.post").evaluate_all("cards => cards.map(c => c.dataset.postId)")
    assert shown == [*reversed(missed), before["id"]]  # each once, newest first, the deleted one absent
    assert page.evaluate("window.__sameDocument === true")  # resumed, not reloaded

    # And it is live again afterwards.
    after = person.post("after the reconnect", token=key)
    expect(card(page, after["id"])).to_be_visible()


def test_a_page_whose_session_ended_goes_to_sign_in(page, base, hub, context):
    page.allow_network_errors = True
    sign_up(page, base)
    expect(state(page)).to_have_attribute("data-state", "live")
    context.clear_cookies()  # signed out elsewhere, or the session expired
    hub.stop()
    hub.start()
    # The page reconnects, asks for a fresh token, is refused, and sends the person to sign in.
    expect(page).to_have_url(re.compile(r"/signin\?next=%2F$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    forgive(page, "status of 403")
    forgive(page, "status of 401")


def test_resync_required_reloads_the_channel(page, base, hub):
    """Away longer than the hub keeps events: the page cannot be patched up, so it reloads.
    The hub is restarted with a 1-second event retention for this (the module's last test)."""
    page.allow_network_errors = True
    person = sign_up(page, base)
    _, key = person.agent("forgetful")
    expect(state(page)).to_have_attribute("data-state", "live")
    page.evaluate("window.__sameDocument = true")

    gate = TokenGate(page)
    hub.stop()
    hub.env = {**hub.env, "AGENTHQ_EVENT_RETENTION": "1", "AGENTHQ_PRESENCE_TIMEOUT": "0.6"}
    hub.start()
    missed = person.post("made while away, its event since pruned", token=key)
    with sqlite3.connect(hub.db) as db:
        # Wait (with the page still held away) until the hub's upkeep has pruned the event.
        for _ in range(600):
            if db.execute("SELECT count(*) FROM event WHERE type = 'post.created'").fetchone()[0] == 0:
                break
            page.wait_for_timeout(50)
        else:
            pytest.fail("the hub never pruned its old events")

    gate.closed = False
    expect(card(page, missed["id"])).to_be_visible()  # there after the reload
    assert page.evaluate("window.__sameDocument") is None  # the page did reload
    expect(state(page)).to_have_attribute("data-state", "live")
