"""`python run.py --demo`: a demo org is seeded, its three agents come online, post, answer
questions and work the task queue; a second start on the same database works too; without
--demo, nothing."""

import asyncio
import os
import re
import queue
import subprocess
import sys
import threading
import time

from agenthq.client import AgentHQClient, AgentHQError
from agenthq.demo import EMAIL, PASSWORD
from agenthq.demo.script import ANSWERS, PERSONAS
from tests.support import ROOT, HubProcess

AGENTS = {persona["name"] for persona in PERSONAS}
FAST = {"AGENTHQ_DEMO_PACE": "0.2"}  # the same behaviour, five times faster


def start_demo(db, log, port=0):
    hub = HubProcess(db, port=port, args=["--demo"], env=FAST, log=log).start()
    url = re.search(r"Open (http://\S+)", hub.readline_until(lambda line: "Open http" in line)).group(1)
    email = hub.readline_until(lambda line: "Email:" in line).split()[-1]
    password = hub.readline_until(lambda line: "Password:" in line).split()[-1]
    return hub, url, email, password


async def watch(url, email, password, ask_question):
    async with AgentHQClient(url) as person:
        await person.login(email, password)
        channels = {c["name"]: c["id"] for c in await person.list_channels()}
        assert {"general", "updates", "learnings", "alerts", "deploys"} <= set(channels)

        # Every agent shows online (or busy): they all connect right after the banner. Each
        # may take a break after its first posts, so each is asked to be seen online once.
        seen_online = set()
        for _ in range(600):
            agents = await person.list_agents()
            seen_online |= {a["name"] for a in agents if a["status"] != "offline"}
            if seen_online == AGENTS:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"never seen online: {AGENTS - seen_online}")
        names = {a["id"]: a["name"] for a in agents}

        posts, arrived = [], asyncio.Event()

        def on_post(post):
            posts.append(post)
            arrived.set()

        person.on("post.created", on_post)
        # task id -> its latest task.claimed (a crashed agent's task is claimed again by the
        # teammate who takes it over) / its completing task.updated
        claimed, completed = {}, {}

        def on_task(into):
            def handler(task):
                if into is claimed:
                    claimed[task["id"]] = task
                elif task["status"] == "completed":
                    completed.setdefault(task["id"], task)
                arrived.set()
            return handler

        person.on("task.claimed", on_task(claimed))
        person.on("task.updated", on_task(completed))
        for channel_id in channels.values():
            person.subscribe(channel_id)
        await person.connect()

        async def until(condition, timeout=30):
            async def loop():
                while not condition():
                    arrived.clear()
                    await arrived.wait()

            await asyncio.wait_for(loop(), timeout)

        await until(lambda: {names.get(p["author_id"]) for p in posts} >= AGENTS)
        # The agents work the task queue: a task is claimed by an agent, worked on (its lease
        # renewed) and completed by that agent, live.
        done = lambda: [t for t in completed.values() if t["id"] in claimed]  # noqa: E731
        await until(lambda: done(), timeout=60)
        task = done()[0]
        assert names.get(claimed[task["id"]]["assigned_to"]) in AGENTS
        assert task["assigned_to"] == claimed[task["id"]]["assigned_to"] and task["completed_at"]
        assert task["lease_expires_at"] is None and task["claim_count"] >= 1
        # Each agent's first post may be its question to the person in #general; their own
        # channels (which do not all overlap) follow soon after.
        await until(lambda: len({p["channel_id"] for p in posts}) >= 2)
        if ask_question:
            question = await person.create_post(channels["general"], "Is anything on fire?", type="question")
            await until(lambda: any(p["parent_id"] == question["id"] for p in posts))
            answer = next(p for p in posts if p["parent_id"] == question["id"])
            assert answer["type"] == "answer" and names.get(answer["author_id"]) in AGENTS
            assert answer["root_id"] == question["id"] and answer["content"].startswith('@"Demo Owner" ')
            # An agent asks the demo person something early on: the bell lights up.
            for _ in range(600):
                notes = await person.list_notifications(type="mention")
                if notes:
                    break
                await asyncio.sleep(0.05)
            assert notes and notes[0]["title"].endswith("mentioned you in #general"), notes


def test_demo_org_comes_alive_and_restarts(tmp_path):
    db = tmp_path / "demo.db"
    hub, url, email, password = start_demo(db, tmp_path / "demo.log")
    try:
        assert (email, password) == (EMAIL, PASSWORD) and url == hub.url
        asyncio.run(watch(url, email, password, ask_question=True))
    finally:
        hub.stop()
    # Same database again: the org is signed back into and the agents get fresh keys.
    hub, url, email, password = start_demo(db, tmp_path / "demo2.log")
    try:
        asyncio.run(watch(url, email, password, ask_question=False))
    finally:
        hub.stop()


def test_without_demo_nothing_is_seeded(tmp_path):
    with HubProcess(tmp_path / "plain.db", log=tmp_path / "plain.log") as hub:

        async def try_demo_login():
            async with AgentHQClient(hub.url) as client:
                try:
                    await client.login(EMAIL, PASSWORD)
                except AgentHQError as error:
                    return error.code

        assert asyncio.run(try_demo_login()) == "INVALID_CREDENTIALS"
        assert not any("Demo" in line for line in hub.lines)


# -- What a newcomer trips over (issue: first ten minutes) -----------------------------------


def fake_browser(folder):
    """A BROWSER for Python's webbrowser module that writes down the URL it was asked to open."""
    script = folder / "browser.sh"
    script.write_text(f'#!/bin/sh\necho "$1" >> {folder / "opened.txt"}\n')
    script.chmod(0o755)
    return script, folder / "opened.txt"


def run_py(args, env, folder):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AGENTHQ_")}
    environ.update(PYTHONUNBUFFERED="1", **env)
    log = open(folder / "stderr.log", "w")
    process = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "--port", "0", *args], stdout=subprocess.PIPE,
                               stderr=log, text=True, env=environ, cwd=folder)
    return process, log


def read_until(process, seen, matches, timeout=30):
    """The next stdout line of run.py that matches (lines read so far go to seen)."""
    if not hasattr(process, "lines"):
        process.lines = queue.Queue()
        threading.Thread(target=lambda: [process.lines.put(line) for line in process.stdout] + [process.lines.put("")],
                         daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        line = process.lines.get(timeout=max(0.01, deadline - time.monotonic()))
        assert line, ("run.py ended", seen)
        seen.append(line)
        if matches(line):
            return line


def test_demo_keeps_its_own_database_a_quiet_console_and_reprints_the_sign_in(tmp_path):
    """AGENTHQ_DB names a real hub's database; `run.py --demo --open` must not write into it."""
    real = tmp_path / "agenthq.db"
    browser, opened = fake_browser(tmp_path)
    process, log = run_py(["--demo", "--open"], {"AGENTHQ_DB": str(real), "AGENTHQ_LOG_LEVEL": "INFO",
                                                 "AGENTHQ_DEMO_REMIND": "1", "BROWSER": str(browser), **FAST}, tmp_path)
    seen = []
    try:
        said = read_until(process, seen, lambda line: "Demo mode" in line)
        assert str(tmp_path / "demo.db") in said
        url = re.search(r"Open (http://\S+)", read_until(process, seen, lambda line: "Open http" in line)).group(1)
        read_until(process, seen, lambda line: "Password:" in line)
        # Again a moment later (every AGENTHQ_DEMO_REMIND seconds; 5 minutes by default).
        read_until(process, seen, lambda line: "Open http" in line)
        read_until(process, seen, lambda line: "Password:" in line)
    finally:
        process.terminate()
        process.wait(15)
        log.close()
    assert (tmp_path / "demo.db").exists() and not real.exists()
    assert opened.read_text().split() == [url]
    console = (tmp_path / "stderr.log").read_text()
    # The agents posted all along, yet not one access-log line reached the console.
    assert "agenthq.access" not in console and "POST /api/v1/posts" not in console, console[-2000:]
    assert "INFO agenthq shutting down" in console  # INFO is on: only the access log is quieted


def test_run_py_open_opens_the_page(tmp_path):
    browser, opened = fake_browser(tmp_path)
    process, log = run_py(["--open", "--db", str(tmp_path / "hub.db")], {"BROWSER": str(browser)}, tmp_path)
    try:
        port = re.search(r"serving on http://[^:]+:(\d+)", read_until(process, [], lambda line: "serving" in line))
        url = f"http://127.0.0.1:{port.group(1)}/"
        deadline = time.monotonic() + 20
        while not (opened.exists() and opened.read_text().strip()):  # the launcher runs beside the loop
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(15)
        log.close()
    assert opened.read_text().split() == [url]


def fits(answer, question):
    """True if the answer is one of its topic's answers, filled with the question's values,
    after the mention of the asker it starts with."""
    values = question["metadata"]["demo_values"]
    for template in ANSWERS[question["metadata"]["demo_topic"]]:
        pattern = re.escape(template)
        for name in set(re.findall(r"\{(\w+)\}", template)):
            pattern = pattern.replace(re.escape("{" + name + "}"), re.escape(str(values[name])))
        if re.fullmatch(r'(@[A-Za-z0-9_-]+ |@"[^"\n]+" )' + pattern, answer["content"]):
            return True
    return False


def test_demo_questions_are_answered_in_their_thread_with_an_answer_that_fits(tmp_path):
    hub, url, email, password = start_demo(tmp_path / "demo.db", tmp_path / "demo.log")

    async def watch_questions():
        async with AgentHQClient(url) as person:
            await person.login(email, password)
            posts, arrived = [], asyncio.Event()
            person.on("post.created", lambda post: (posts.append(post), arrived.set()))
            for channel in await person.list_channels():
                person.subscribe(channel["id"])
            await person.connect()

            def answered():
                questions = {p["id"]: p for p in posts if (p.get("metadata") or {}).get("demo_topic")}
                return [(questions[p["parent_id"]], p) for p in posts if p.get("parent_id") in questions]

            async def until_two():
                while len(answered()) < 2:
                    arrived.clear()
                    await arrived.wait()

            await asyncio.wait_for(until_two(), 90)
            return answered()

    try:
        pairs = asyncio.run(watch_questions())
    finally:
        hub.stop()
    for question, answer in pairs:
        assert answer["type"] == "answer" and answer["channel_id"] == question["channel_id"]
        assert answer["author_id"] != question["author_id"]
        assert fits(answer, question), (question["content"], answer["content"])
