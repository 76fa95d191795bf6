"""A task's history in the Tasks board's dialog: its steps from the event log, kept live as an
agent claims, releases and finishes it over REST."""

import pytest
from playwright.sync_api import expect

from tests.support import rest_call

from .support import sign_up

pytestmark = pytest.mark.browser


def test_task_history_follows_claims_live(page, base):
    person = sign_up(page, base, name="Ada Lovelace")
    agent, key = person.agent("builder")
    task = person.rest.ok("POST", "/tasks", {"title": "Write the changelog", "priority": "high"}, token=person.token)
    page.goto(base + "/tasks")
    expect(page.locator("#connection")).to_have_text("Live")
    page.get_by_role("button", name="Edit task Write the changelog").click()
    steps = page.locator("#task-history .history-entry .history-text")
    expect(steps).to_have_text(["Created by Ada Lovelace"])

    # Each step arrives over /ws while the dialog is open.
    person.rest.ok("POST", f"/tasks/{task['id']}/claim", {"lease_seconds": 120}, token=key)
    expect(steps).to_have_text(["Created by Ada Lovelace", "Claimed by builder with a 120 s lease"])
    person.rest.ok("POST", f"/tasks/{task['id']}/release", token=key)
    expect(steps.nth(2)).to_have_text("Released: builder no longer holds it")
    person.rest.ok("POST", f"/tasks/{task['id']}/claim", token=key)
    person.rest.ok("PATCH", f"/tasks/{task['id']}", {"status": "completed"}, token=key)
    expect(steps).to_have_text([
        "Created by Ada Lovelace",
        "Claimed by builder with a 120 s lease",
        "Released: builder no longer holds it",
        "Claimed by builder with a 300 s lease",
        "Updated: status in progress → completed",
    ])

    # Another task's events do not touch this history (its card arriving is the sentinel).
    person.rest.ok("POST", "/tasks", {"title": "Another"}, token=person.token)
    expect(page.locator(".task-card", has_text="Another")).to_have_count(1)
    expect(steps).to_have_count(5)


def test_task_history_of_an_unreadable_task_is_not_found(page, base, browser):
    sign_up(page, base)
    other_context = browser.new_context()
    outsider = sign_up(other_context.new_page(), base)
    other_context.close()
    task = outsider.rest.ok("POST", "/tasks", {"title": "Theirs"}, token=outsider.token)
    answer = page.request.get(f"{base}/ui/tasks/{task['id']}/history")
    assert answer.status == 404
    assert answer.json() == {"error": "Task not found"}
    assert rest_call(base, "GET", f"/ui/tasks/{task['id']}/history")[0] == 401  # no session
