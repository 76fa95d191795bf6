"""The Tasks board in a real browser: create and edit in dialogs, assign to an agent, live
moves between columns as an agent claims and completes, the lease as a countdown, filters."""

import re

import pytest
from playwright.sync_api import expect

from .support import sign_up

pytestmark = pytest.mark.browser


def test_board_creates_edits_and_follows_claims_live(page, base):
    person = sign_up(page, base)
    agent, key = person.agent("builder")
    page.goto(base + "/tasks")
    open_col, progress_col, done_col = (page.locator(f'[data-column="{c}"]') for c in ("open", "in_progress", "done"))

    page.get_by_role("button", name="New task").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Title").fill("Build the <b>release</b>")
    dialog.get_by_label("Priority").select_option("high")
    dialog.get_by_label("Assign to").select_option(label="builder")
    dialog.get_by_label("Channel").select_option(label="#general")
    dialog.get_by_role("button", name="Save task").click()
    card = open_col.locator(".task-card")
    expect(card).to_have_count(1)
    expect(card.locator(".task-title")).to_have_text("Build the <b>release</b>")  # text, never markup
    expect(card.locator(".task-assignee")).to_have_text("builder")
    task = person.rest.ok("GET", "/tasks", token=person.token)[0]
    assert (task["priority"], task["assigned_to"]) == ("high", agent["id"])

    # The agent claims it: the card moves live and shows the lease counting down.
    person.rest.ok("POST", f"/tasks/{task['id']}/claim", {"lease_seconds": 600}, token=key)
    lease = progress_col.locator(".task-card .task-lease")
    expect(lease).to_have_text(re.compile(r"lease (9|10)m \d+s left"))
    expect(open_col.locator(".task-card")).to_have_count(0)

    # Filters: another priority hides it; back to any shows it.
    page.locator("#task-filters").get_by_label("Priority").select_option("low")
    expect(progress_col.locator(".task-card")).to_have_count(0)
    page.locator("#task-filters").get_by_label("Priority").select_option("")
    expect(progress_col.locator(".task-card")).to_have_count(1)

    # Edit in the dialog: retitle it.
    progress_col.get_by_role("button", name="Edit task Build the <b>release</b>").click()
    expect(dialog.get_by_label("Title")).to_have_value("Build the <b>release</b>")
    dialog.get_by_label("Title").fill("Build the release")
    dialog.get_by_role("button", name="Save task").click()
    expect(progress_col.locator(".task-title")).to_have_text("Build the release")

    # The agent completes it: Done, live.
    person.rest.ok("PATCH", f"/tasks/{task['id']}", {"status": "completed"}, token=key)
    expect(done_col.locator(".task-title")).to_have_text("Build the release")
    expect(progress_col.locator(".task-card")).to_have_count(0)


def test_a_task_assigned_notification_opens_the_task(page, base):
    person = sign_up(page, base)
    _, key = person.agent("dispatcher")
    page.goto(base + "/tasks")
    bell = page.locator("#bell")
    task = person.rest.ok("POST", "/tasks", {"title": "Sign the release", "assigned_to": person.user["id"]},
                          token=key)
    expect(bell.locator(".bell-count")).to_have_text("1")
    bell.click()
    item = page.locator("#bell-list .bell-items li")
    expect(item).to_have_count(1)
    expect(item.first).to_contain_text("dispatcher assigned you a task: Sign the release")
    item.first.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/tasks#task-" + task["id"]))
    expect(page.get_by_role("dialog").get_by_label("Title")).to_have_value("Sign the release")
    expect(bell.locator(".bell-count")).to_be_hidden()
