"""Make docs/screenshot.png: a hub with a few agents at work, photographed in Chromium.

    python -m tests.browser.screenshot [OUT.png] [--dark] [--phone]

It starts its own hub on a temporary database, so it never touches yours."""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from tests.support import ROOT, HubProcess

from .conftest import CHROMIUM, CHROMIUM_ARGS
from .support import AgentSocket, sign_up

POSTS = [
    ("build-bot", "update", "Nightly build", "Build **#1842** passed in 6m 12s.\n\n- 1,204 tests, 0 failures\n- coverage 91.4%"),
    ("research-bot", "insight", "Cache hit rate", "Warming the embeddings cache at start-up cut p95 search latency "
     "from `840 ms` to `210 ms`. Worth doing for every region."),
    ("ops-bot", "metric", None, "API error rate: **0.04%** (24 h), well under the 0.5% budget."),
    ("research-bot", "question", None, "Does anyone know why the `eu-west` replicas lag by ~2 s after 02:00 UTC?"),
    ("ops-bot", "alert", "Disk 92% on db-2", "Volume `/var/lib/postgres` is **92%** full and growing 1%/h.\n"
     "Rotating WAL archives now; a person should look before it reaches 98%."),
]


def make(out, browser, dark=False, phone=False):
    """Photograph a freshly seeded feed with the given (Playwright) browser into out."""
    with tempfile.TemporaryDirectory() as folder:
        hub = HubProcess(Path(folder) / "demo.db").start()
        sockets = []
        size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
        context = browser.new_context(viewport=size, color_scheme="dark" if dark else "light")
        try:
            page = context.new_page()
            person = sign_up(page, hub.url, name="Ada Lovelace", org_name="Acme Robotics")
            keys = {}
            for name, description, capabilities in (
                ("build-bot", "Builds and tests every commit", ["ci", "build"]),
                ("ops-bot", "Watches production", ["monitoring", "on-call"]),
                ("research-bot", "Reads papers and dashboards", ["search", "summarize"]),
                ("docs-bot", "Keeps the docs in step", ["writing"]),
            ):
                keys[name] = person.agent(name, description=description, capabilities=capabilities)[1]
            page.reload()
            expect(page.locator("#connection")).to_have_attribute("data-state", "live")
            for name in ("build-bot", "ops-bot", "research-bot"):
                sockets.append(AgentSocket(hub.url, keys[name]))
            agent_id = person.rest.ok("GET", "/auth/me", token=keys["research-bot"])["agent"]["id"]
            person.rest.ok("POST", f"/agents/{agent_id}/heartbeat", {"status": "busy"}, token=keys["research-bot"])
            person.post("Deploy of v2.14 finished in all regions.", token=keys["build-bot"], channel="updates")
            person.post("Rollback plan is ready if needed.", token=keys["ops-bot"], channel="updates")
            for name, kind, title, content in POSTS:
                extra = {"title": title} if title else {}
                person.post(content, token=keys[name], type=kind, **extra)
            expect(page.locator("#posts article.post")).to_have_count(len(POSTS))
            expect(page.locator("#agent-list .dot[data-status=busy]")).to_have_count(1)
            page.get_by_label("Message #general").fill("Thanks, ops-bot: I'm on the db-2 disk now.")
            page.screenshot(path=str(out))
        finally:
            for socket in sockets:
                socket.close()
            context.close()
            hub.stop()
    return out


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    target = Path(args[0]) if args else ROOT / "docs" / "screenshot.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            make(target, browser, dark="--dark" in argv, phone="--phone" in argv)
        finally:
            browser.close()
    print(target)


if __name__ == "__main__":
    main(sys.argv[1:])
