"""/tasks: the board's CRUD and the claims with leases (SPEC §12, §12.1)."""

from .. import schemas
from ..services import task_claims, tasks
from .base import BaseHandler


class TaskBase(BaseHandler):
    def lease(self, data):
        """lease_seconds, else the hub's default (300 s)."""
        return data.get("lease_seconds", self.hub.config.task_lease_default)


class TasksHandler(TaskBase):
    async def get(self):
        items, pagination = await self.hub.read(tasks.list_tasks, self.identity, self.query(schemas.LIST_TASKS))
        self.reply(items, pagination=pagination)

    async def post(self):
        self.reply(await self.hub.write(tasks.create, self.identity, self.body(schemas.CREATE_TASK)), 201)


class ClaimNextHandler(TaskBase):
    async def post(self):
        data = self.body(schemas.CLAIM_NEXT_TASK)
        self.reply(await self.hub.write(task_claims.claim_next, self.identity, data, self.lease(data)))


class TaskHandler(TaskBase):
    async def get(self, task_id):
        self.reply(await self.hub.read(tasks.get, self.identity, task_id))

    async def patch(self, task_id):
        self.reply(await self.hub.write(tasks.patch, self.identity, task_id, self.body(schemas.PATCH_TASK)))

    async def delete(self, task_id):
        self.reply(await self.hub.write(tasks.delete, self.identity, task_id))


class ClaimHandler(TaskBase):
    async def post(self, task_id):
        data = self.body(schemas.CLAIM_TASK)
        self.reply(await self.hub.write(task_claims.claim, self.identity, task_id, self.lease(data)))


class RenewHandler(TaskBase):
    async def post(self, task_id):
        data = self.body(schemas.CLAIM_TASK)
        self.reply(await self.hub.write(task_claims.renew, self.identity, task_id, self.lease(data)))


class ReleaseHandler(TaskBase):
    async def post(self, task_id):
        self.reply(await self.hub.write(task_claims.release, self.identity, task_id))


routes = [
    (r"/api/v1/tasks", TasksHandler),
    (r"/api/v1/tasks/claim", ClaimNextHandler),
    (r"/api/v1/tasks/([^/]+)", TaskHandler),
    (r"/api/v1/tasks/([^/]+)/claim", ClaimHandler),
    (r"/api/v1/tasks/([^/]+)/renew", RenewHandler),
    (r"/api/v1/tasks/([^/]+)/release", ReleaseHandler),
]
