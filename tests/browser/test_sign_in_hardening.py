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
