"""A simulated agent: a real SDK client that comes online, posts, answers questions, works on
tasks (agenthq/demo/tasks.py), goes busy and offline, and comes back, at a human-watchable
pace."""

import asyncio
import logging
import random

from ..client import AgentHQClient, AgentHQError
from .script import addressed, answer_for, next_post, to_owner
from .tasks import Crash, TaskWork

log = logging.getLogger("agenthq.demo")

WARM_UP_POSTS = 3  # nobody leaves before the first visitor has seen everyone online


class SimulatedAgent(TaskWork):
    def __init__(self, url, persona, agent_id, api_key, channels, team, pace=1.0, owner=None):
        self.url, self.persona, self.id, self.api_key = url, persona, agent_id, api_key
        self.name = persona["name"]
        self.channels = channels  # name -> id
        self.team = team  # every SimulatedAgent, to pick who answers a question
        self.pace = pace
        self.owner = owner  # the demo person's name, whom one persona asks something
        self.asked_owner = False
        self.online = False
        self.posts = 0
        self._tasks = set()
        self.client = None  # while online: a teammate may hand it a question to answer
        self.questions = {}  # post id -> question this agent owes an answer

    async def run(self):
        while True:
            client = AgentHQClient(self.url, api_key=self.api_key)
            client.on("post.created", self._consider)
            client.on("task.expired", lambda task: self.consider_expired(client, task))
            for channel_id in self.channels.values():
                client.subscribe(channel_id)
            crashed = False
            try:
                await client.connect()
                self.online, self.client = True, client
                for question in list(self.questions.values()):  # owed from before a break
                    self._spawn(self._answer(client, question))
                await self._on_duty(client)
            except Crash:
                crashed = True  # gone without a word: no sign-off, the lease left to run out
            except AgentHQError as error:
                log.warning("%s: %s", self.name, error)
            except Exception:  # one agent's bug must not end the whole demo
                log.exception("%s stumbled", self.name)
            finally:
                self.online, self.client = False, None
                for task in self._tasks:
                    task.cancel()
                self._hand_over_questions()
                if not crashed:
                    await self._sign_off(client)
                await client.close()
            await self._pause(15, 30)

    async def _sign_off(self, client):
        """Closing a socket leaves an agent online until its heartbeat ages out (so that a
        reconnect emits nothing): an agent taking a break says so."""
        try:
            await client.heartbeat("offline")
        except Exception as error:  # the hub may be what went away; the break happens anyway
            log.info("%s could not sign off: %s", self.name, error)

    async def _on_duty(self, client):
        """Post and work on tasks side by side until a break (the posting shift ends) or a
        crash (the task work raises Crash)."""
        shift = asyncio.ensure_future(self._shift(client))
        work = asyncio.ensure_future(self.task_loop(client))
        try:
            done, _ = await asyncio.wait({shift, work}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for job in (shift, work):
                job.cancel()
            await asyncio.gather(shift, work, return_exceptions=True)
        for job in done:
            job.result()  # a crash or an error, raised here

    async def _shift(self, client):
        """Post every few seconds until it is time for a break (then return)."""
        await self._pause(0.5, 2)
        while True:
            roll = random.random()
            if roll < 0.08:
                await client.heartbeat("busy")
                await self._pause(6, 12)
                await client.heartbeat("online")
            elif roll < 0.14 and self.posts >= WARM_UP_POSTS:
                return
            elif self.owner and not self.asked_owner and to_owner(self.persona, self.owner):
                self.asked_owner = True
                await client.create_post(self.channels["general"], to_owner(self.persona, self.owner),
                                         type="question", title="Need a human")
            else:
                channel, post_type, title, content, metadata = next_post(self.persona)
                await client.create_post(self.channels[channel], content, type=post_type, title=title,
                                         metadata=metadata)
                self.posts += 1
            await self._pause(3, 8)

    def _consider(self, post):
        """Questions get one answer, in their thread, from one online teammate other than the
        asker; the answerer is chosen the same way by every agent, so they never all reply at
        once. A question to the demo person is theirs to answer."""
        if post.get("type") != "question" or post["author_id"] == self.id or post.get("parent_id"):
            return
        if self.owner and f'@"{self.owner}"' in post.get("content", ""):
            return
        candidates = [agent for agent in self.team if agent.online and agent.id != post["author_id"]]
        if not candidates or candidates[sum(map(ord, post["id"])) % len(candidates)] is not self:
            return
        self.take_question(post)

    def take_question(self, post):
        self.questions[post["id"]] = post
        self._spawn(self._answer(self.client, post))

    def _hand_over_questions(self):
        """A question is never left unanswered because its answerer went on a break or
        crashed: an online teammate takes it, or this agent answers it when it is back."""
        for question_id, question in list(self.questions.items()):
            teammate = next((agent for agent in self.team if agent.online and agent is not self
                             and agent.id != question["author_id"]), None)
            if teammate is not None:
                teammate.take_question(self.questions.pop(question_id))

    def _spawn(self, coroutine):
        """Run beside the shift; cancelled when the shift ends."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, client, post):
        await self._pause(1, 3)
        try:
            # In the question's thread (parent_id), with an answer written for that question,
            # addressed to the asker with a mention.
            asker = next((agent.name for agent in self.team if agent.id == post["author_id"]), self.owner)
            await client.create_post(post["channel_id"], addressed(answer_for(self.persona, post), asker),
                                     type="answer", parent_id=post["id"])
        except AgentHQError as error:
            log.warning("%s could not answer: %s", self.name, error)
        self.questions.pop(post["id"], None)

    async def _pause(self, low, high):
        await asyncio.sleep(self.pace * random.uniform(low, high))
