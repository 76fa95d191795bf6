"""Sign-in and sign-out as an attacker would use them, in a real browser: a `next` that the
browser's own URL parser would read as another site lands on the hub, and a session cookie
copied before sign-out is dead after it."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .support import PASSWORD, sign_up

pytestmark = pytest.mark.browser

# As typed into the address bar or a link: %09 and %0d%0a decode to tab, CR, LF, which the
# browser deletes from a URL before reading it ("/\t/evil" is "//evil" to it).
OFFSITE = ["/%09/evil.example/", "/%0d%0a/evil.example/", "/%5Cevil.example/", "/%09%5Cevil.example/",
           "%09//evil.example/", "//evil.example/", "https:%2F%2Fevil.example/"]


def test_sign_in_lands_on_the_hub_whatever_next_says(page, base):
    page.allow_network_errors = True  # a token request in flight at each sign-out meets a 401
    person = sign_up(page, base)
    page.get_by_role("button", name="Sign out").click()
    host = urlsplit(base).netloc
    for target in OFFSITE:
        page.goto(f"{base}/signin?next={target}")
        page.get_by_label("Email").fill(person.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(base + "/")
        assert urlsplit(page.url).netloc == host, target
        # Signed in already: the sign-in page redirects at once, with the same check.
        page.goto(f"{base}/signin?next={target}")
        expect(page).to_have_url(base + "/")
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(base + "/signin")


def test_a_copied_session_cookie_dies_at_sign_out(page, base, browser):
    sign_up(page, base)
    copied = page.context.cookies()
    thief = browser.new_context()
    try:
        thief.add_cookies(copied)
        stolen = thief.new_page()
        stolen.goto(base + "/")
        expect(stolen).to_have_url(base + "/")  # the copy works while the session lives

        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(base + "/signin")

        stolen.goto(base + "/agents")
        expect(stolen).to_have_url(base + "/signin?next=%2Fagents")
        xsrf = stolen.locator('input[name="_xsrf"]').first.get_attribute("value")
        assert stolen.request.post(base + "/ui/token", headers={"X-XSRFToken": xsrf}).status == 401
    finally:
        thief.close()


def test_sign_out_lands_on_sign_in_when_a_request_meets_the_ended_session(page, base):
    # The page asks for a token (as it does on load and on every reconnect) while the sign-out
    # form is sent: the token request meets the ended session (401) before the form's answer
    # lands, and must not send the browser to /signin?next=... instead. The 401 itself is in
    # the console by nature of the race.
    page.allow_network_errors = True
    sign_up(page, base)
    held = []
    page.route("**/ui/token", lambda route: held.append(route))
    page.reload()
    while not held:
        page.wait_for_timeout(20)

    def slow_answer(route):
        answer = route.fetch(max_redirects=0)  # the session ends now, on the server
        held[0].continue_()  # the page's token request meets the ended session
        page.wait_for_timeout(1000)  # the page reacts to its 401 before the form's answer lands
        route.fulfill(response=answer)

    page.route("**/signout", slow_answer)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(base + "/signin")
