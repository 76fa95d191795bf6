"""`python run.py --demo`: the hub plus a demo organization, its tasks, and three simulated
agents, each a real SDK client in the same process, so a first visitor sees a living hub at
once."""

import asyncio
import dataclasses
import logging
import os
import tempfile
import webbrowser
from pathlib import Path

from ..client import AgentHQClient, AgentHQError
from ..models import is_postgres_url
from ..server import serve
from .agent import SimulatedAgent
from .script import PERSONAS, SEED_TASKS, seed_task

log = logging.getLogger("agenthq.demo")

# Fixed and printed on purpose: the demo is for trying the hub on one's own machine. A fresh
# password per run would lock the visitor out of the org seeded by an earlier run.
EMAIL = "demo@agenthq.example"
PASSWORD = "agenthq-demo"
ORG = {"org_name": "Demo Co", "org_slug": "demo", "name": "Demo Owner"}
EXTRA_CHANNELS = {"deploys": "Release notes from the build agents"}


REMIND_EVERY = 300.0  # seconds between reprints of how to sign in (AGENTHQ_DEMO_REMIND)


def demo_database(config, db_flag_given):
    """The demo's own database: the --db given on its command line, else demo.db beside the
    hub's database (AGENTHQ_DB or the default agenthq.db), so that its public password never
    lands in a real hub's data; for a PostgreSQL hub, a SQLite file in the temp folder."""
    if db_flag_given:
        return config.db
    if is_postgres_url(config.db):
        return str(Path(tempfile.gettempdir()) / "agenthq-demo.db")
    return str(Path(config.db).resolve().parent / "demo.db")


def run_demo(config, db_flag_given=False, open_browser=False):
    config = dataclasses.replace(config, db=demo_database(config, db_flag_given))
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # One access-log line per request of three busy agents would scroll the sign-in away.
    for name in ("agenthq.access", "tornado.access"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))
    print(f"Demo mode: using its own database {config.db} (a real hub's data is not touched; "
          "--db chooses another)", flush=True)
    asyncio.run(_serve_with_demo(config, open_browser))


async def _serve_with_demo(config, open_browser=False):
    tasks = []

    def on_ready(port):
        tasks.append(asyncio.ensure_future(start(config.host, port, open_browser=open_browser)))

    try:
        await serve(config, on_ready)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def banner(url, team):
    return (f"\nDemo organization ready. Open {url}\n  Email:    {EMAIL}\n  Password: {PASSWORD}\n"
            f"  Agents:   {', '.join(agent.name for agent in team)}\n")


async def start(host, port, pace=None, open_browser=False):
    """Seed the demo org, print how to sign in, then run the agents until cancelled."""
    pace = float(os.environ.get("AGENTHQ_DEMO_PACE", 1.0)) if pace is None else pace
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{local}:{port}"
    try:
        team = await seed(url, pace)
    except AgentHQError as error:
        log.error("demo could not start: %s", error)
        return
    if local != "127.0.0.1":
        log.warning("the demo's password is public: do not expose this hub beyond your machine")
    print(banner(url, team), flush=True)  # last, so it is what the console shows
    if open_browser:
        await open_page(url)
    every = float(os.environ.get("AGENTHQ_DEMO_REMIND", REMIND_EVERY))
    await asyncio.gather(*(agent.run() for agent in team), _remind(url, team, every))


async def _remind(url, team, every):
    """Print the sign-in again now and then: warnings may have scrolled it away."""
    while True:
        await asyncio.sleep(every)
        print(banner(url, team), flush=True)


async def open_page(url):
    """Open the page in the desktop's browser (`--open`); webbrowser may wait for the
    browser's launcher, so not on the loop."""
    opened = await asyncio.get_running_loop().run_in_executor(None, webbrowser.open, url)
    if not opened:
        log.warning("could not open a browser; open %s yourself", url)


async def seed(url, pace):
    """Create (or, on a second run with the same database, sign back into) the demo org, its
    channels and agents. Keys are only ever shown once, so existing agents get new ones."""
    async with AgentHQClient(url) as owner:
        try:
            await owner.register(email=EMAIL, password=PASSWORD, **ORG)
        except AgentHQError as error:
            if error.code not in ("ORG_EXISTS", "EMAIL_EXISTS"):
                raise
            await owner.login(EMAIL, PASSWORD)
        for name, description in EXTRA_CHANNELS.items():
            try:
                await owner.create_channel(name, description)
            except AgentHQError as error:
                if error.code != "CHANNEL_EXISTS":
                    raise
        channels = {c["name"]: c["id"] for c in await owner.pages(owner.list_channels)}
        existing = {a["name"]: a for a in await owner.pages(owner.list_agents)}
        team = []
        for persona in PERSONAS:
            if persona["name"] in existing:
                agent = existing[persona["name"]]
                key = (await owner.rotate_key(agent["id"]))["apiKey"]
            else:
                made = await owner.register_agent(persona["name"], persona["description"], persona["capabilities"])
                agent, key = made["agent"], made["apiKey"]
            team.append(SimulatedAgent(url, persona, agent["id"], key, channels, team, pace, owner=ORG["name"]))
        await seed_tasks(owner, team)
        return team


async def seed_tasks(owner, team):
    """The person's tasks for the agents, one handed to an agent by name; not again while
    earlier ones are still open (a second run on the same database)."""
    if await owner.list_tasks(status="open"):
        return
    by_name = {agent.name: agent.id for agent in team}
    for spec in SEED_TASKS:
        title, priority = seed_task(spec)
        await owner.create_task(title, priority=priority, assigned_to=by_name.get(spec.get("assign_to")))
