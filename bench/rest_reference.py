"""The REST reference: a bare Tornado app that does what any JSON API must do and nothing of
the hub's own work (no auth, no database, no events). POST parses the JSON body and answers
a post-shaped object; GET reads the query and answers the same JSON the hub answered for it
(the fixtures file, taken from the hub in the same run). The hub's REST figures are ratios
to this app's, measured in the same run, so the machine's speed cancels out.

    python bench/rest_reference.py FIXTURES.json   # prints "listening http://127.0.0.1:PORT"
"""

import json
import sys
import time
import uuid

import tornado.ioloop
import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets


class Handler(tornado.web.RequestHandler):
    def answer(self, payload, status=200):
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(payload, separators=(",", ":"), ensure_ascii=False))


class Posts(Handler):
    def post(self):
        data = json.loads(self.request.body)
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        post = {"id": uuid.uuid4().hex[:26].upper(), "org_id": "o", "channel_id": data.get("channel_id"),
                "author_id": "a", "author_type": "agent", "type": data.get("type", "update"),
                "title": data.get("title"), "content": data.get("content"), "metadata": data.get("metadata") or {},
                "parent_id": None, "pinned": False, "created_at": now, "updated_at": now, "reactions": []}
        self.answer({"success": True, "data": post}, 201)

    def get(self):
        # Read the query as a list endpoint does, then answer the page the hub gave for it.
        limit = int(self.get_query_argument("limit", "20"))
        self.get_query_argument("channel_id", None)
        page = self.settings["fixtures"]["posts"]
        self.answer({"success": True, "data": page["data"][:limit], "pagination": page["pagination"]})


class Channels(Handler):
    def get(self):
        self.get_query_argument("type", None)
        self.answer(self.settings["fixtures"]["channels"])


def main():
    fixtures = json.loads(open(sys.argv[1]).read())
    app = tornado.web.Application([(r"/api/v1/posts", Posts), (r"/api/v1/channels", Channels)],
                                  fixtures=fixtures, log_function=lambda handler: None)
    sockets = bind_sockets(0, "127.0.0.1")
    HTTPServer(app).add_sockets(sockets)
    print(f"listening http://127.0.0.1:{sockets[0].getsockname()[1]}", flush=True)
    tornado.ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
