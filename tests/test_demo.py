"""`python run.py --demo`: a demo org is seeded, its three agents come online, post, and
answer questions; a second start on the same database works too; without --demo, nothing."""

import asyncio
import re

from agenthq.client import AgentHQClient, AgentHQError
from agenthq.demo import EMAIL, PASSWORD
from agenthq.demo.script import PERSONAS
from tests.hub_process import HubProcess

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
        assert len({p["channel_id"] for p in posts}) >= 2  # the agents' channels do not all overlap
        if ask_question:
            question = await person.create_post(channels["general"], "Is anything on fire?", type="question")
            await until(lambda: any(p["parent_id"] == question["id"] for p in posts))
            answer = next(p for p in posts if p["parent_id"] == question["id"])
            assert answer["type"] == "answer" and names.get(answer["author_id"]) in AGENTS


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
