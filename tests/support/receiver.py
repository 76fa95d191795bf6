"""A real HTTP receiver for outgoing-webhook tests: a Tornado server on a free port of the
test's loop that records every request and answers from a script of status codes; it can
hold one request unanswered (`hold`: its index) until `release` is set, to catch a hub
mid-delivery."""

import asyncio

import tornado.httpserver
import tornado.netutil
import tornado.web


class Receiver:
    def __init__(self, statuses=(), hold=None):
        self.statuses = list(statuses)  # answered in turn; then 200
        self.hold, self.held, self.release = hold, asyncio.Event(), asyncio.Event()
        self.received = []  # (headers, body bytes)
        self._arrived = asyncio.Condition()
        receiver = self

        class Handler(tornado.web.RequestHandler):
            def check_xsrf_cookie(self):
                pass

            async def post(self):
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                index = len(receiver.received)
                receiver.received.append((dict(self.request.headers), self.request.body, status))
                async with receiver._arrived:
                    receiver._arrived.notify_all()
                if index == receiver.hold:
                    receiver.held.set()
                    await receiver.release.wait()
                self.set_status(status)
                self.finish("ok")

        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self.server = tornado.httpserver.HTTPServer(tornado.web.Application([(r"/.*", Handler)]))
        self.server.add_sockets(sockets)
        self.url = f"http://127.0.0.1:{self.port}/hook"

    async def wait_for(self, count, timeout=20):
        async def enough():
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(self.received) >= count)
        await asyncio.wait_for(enough(), timeout)
        return self.received

    def stop(self):
        self.server.stop()
