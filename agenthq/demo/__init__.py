"""`python run.py --demo`: the hub plus a demo organization and three simulated agents, each
a real SDK client in the same process, so a first visitor sees a living hub at once."""

import asyncio
import logging
import os

from ..client import AgentHQClient, AgentHQError
from ..server import serve
from .agent import SimulatedAgent
from .script import PERSONAS

log = logging.getLogger("agenthq.demo")

# Fixed and printed on purpose: the demo is for trying the hub on one's own machine. A fresh
# password per run would lock the visitor out of the org seeded by an earlier run.
EMAIL = "demo@agenthq.example"
PASSWORD = "agenthq-demo"
ORG = {"org_name": "Demo Co", "org_slug": "demo", "name": "Demo Owner"}
EXTRA_CHANNELS = {"deploys": "Release notes from the build agents"}


def run_demo(config):
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(_serve_with_demo(config))


async def _serve_with_demo(config):
    tasks = []

    def on_ready(port):
        tasks.append(asyncio.ensure_future(start(config.host, port)))

    try:
        await serve(config, on_ready)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def start(host, port, pace=None):
    """Seed the demo org, print how to sign in, then run the agents until cancelled."""
    pace = float(os.environ.get("AGENTHQ_DEMO_PACE", 1.0)) if pace is None else pace
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{local}:{port}"
    try:
        team = await seed(url, pace)
    except AgentHQError as error:
        log.error("demo could not start: %s", error)
        return
    print(f"\nDemo organization ready. Open {url}\n  Email:    {EMAIL}\n  Password: {PASSWORD}\n"
          f"  Agents:   {', '.join(agent.name for agent in team)}\n", flush=True)
    if local != "127.0.0.1":
        log.warning("the demo's password is public: do not expose this hub beyond your machine")
    await asyncio.gather(*(agent.run() for agent in team))


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
            team.append(SimulatedAgent(url, persona, agent["id"], key, channels, team, pace))
        return team
