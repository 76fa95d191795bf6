"""The web page: sign-up, sign-in and sign-out, the feed, agents, activity and search pages,
the fragments the page's JavaScript fetches, and the cookie-to-token exchange."""

from .. import schemas
from ..errors import ApiError
from ..signin import sign_in, sign_up
from . import assets, integrations, queries, search, session, templating, timeline
from .backfill import Backfill
from .handler import PageHandler, StaticHandler, safe_next
from .markdown import Renderer
from .task_history import task_history


class SignInHandler(PageHandler):
    login_required = False

    def get(self):
        if self.identity:
            self.redirect(safe_next(self.get_argument("next", "/")))
            return
        self.render_page("signin.html", error=None, email="", next=safe_next(self.get_argument("next", "/")))

    async def post(self):
        email, next_url = self.get_body_argument("email", ""), safe_next(self.get_body_argument("next", "/"))
        try:
            data = schemas.LOGIN.validate({"email": email, "password": self.get_body_argument("password", "")})
            # The same failed-sign-in limits as POST /auth/login: the form must not be a side
            # door for guessing passwords.
            result = await sign_in(self.settings, data, self.request.remote_ip)
        except ApiError as error:
            for name, value in error.headers.items():
                self.set_header(name, value)
            self.render_page("signin.html", status=error.status, error=error.message, email=email, next=next_url)
            return
        await self.sign_in(result["user"]["id"], result["user"]["org_id"])
        self.redirect(next_url)


SIGNUP_FIELDS = ("orgName", "orgSlug", "name", "email")


class SignUpHandler(PageHandler):
    login_required = False

    def get(self):
        self.render_page("signup.html", error=None, field=None, values={f: "" for f in SIGNUP_FIELDS})

    async def post(self):
        values = {f: self.get_body_argument(f, "") for f in SIGNUP_FIELDS}
        try:
            data = schemas.REGISTER.validate({**values, "password": self.get_body_argument("password", "")})
            result = await sign_up(self.settings, data, self.request.remote_ip)
        except ApiError as error:
            self.render_page("signup.html", status=error.status, error=error.message, field=error.field, values=values)
            return
        await self.sign_in(result["user"]["id"], result["org"]["id"])
        self.redirect("/")


class SignOutHandler(PageHandler):
    login_required = False

    async def post(self):
        await session.end(self, self.session_hash)  # the server forgets it: a copy stops working
        self.redirect("/signin")


class TokenHandler(PageHandler):
    """Cookie → short-lived access token for the page's REST and /ws calls. A POST with an
    XSRF token, so another site cannot make a signed-in browser fetch one; the token lives in
    the page's memory only (never localStorage, where injected script could find it later)."""

    fragment = True

    def post(self):
        self.send_json({"accessToken": self.hub.tokens.access(self.identity), "expiresIn": self.hub.tokens.access_ttl})


class FeedHandler(PageHandler):
    async def get(self, channel_id=None):
        data = await self.hub.read(queries.feed, self.identity, channel_id)
        self.render_page("feed.html", **data)


class PostFragmentHandler(PageHandler):
    """One post card, rendered by the same template as the first screen: live posts get the
    same sanitized Markdown, and the browser never parses post Markdown itself."""

    fragment = True

    async def get(self, post_id):
        post = await self.hub.read(queries.post_view, self.identity, post_id)
        self.render_page("post_fragment.html", posts=[post], has_more=False)


class OlderPostsHandler(PageHandler):
    fragment = True

    async def get(self, channel_id):
        before = self.get_argument("before", None)
        items, has_more = await self.hub.read(queries.posts_page, self.identity, channel_id, before)
        self.render_page("post_fragment.html", posts=items, has_more=has_more)


class ThreadFragmentHandler(PageHandler):
    """The thread panel's cards: the root, then every reply, oldest first (§7)."""

    async def get(self, post_id):
        items = await self.hub.read(queries.thread_views, self.identity, post_id)
        self.render_page("post_fragment.html", posts=items, has_more=False)


class AgentsPageHandler(PageHandler):
    async def get(self):
        self.render_page("agents.html", **await self.hub.read(queries.agents_page, self.identity))


class TasksPageHandler(PageHandler):
    async def get(self):
        self.render_page("tasks.html", **await self.hub.read(queries.tasks_page, self.identity))


class TaskHistoryHandler(PageHandler):
    """A task's steps for the board's dialog, from the event log (task_history.py)."""

    fragment = True

    async def get(self, task_id):
        self.send_json(await self.hub.read(task_history, self.identity, task_id))


class ActivityPageHandler(PageHandler):
    async def get(self):
        args = {k: v for k, v in self.request.query_arguments.items() if v and v[0]}
        args.setdefault("limit", [b"50"])
        query = schemas.LIST_ACTIVITY.validate_query(args)
        data = await self.hub.read(queries.activity_page, self.identity, query)
        filters = {k: self.get_argument(k, "") for k in ("actor_id", "action")}
        self.render_page("activity.html", filters=filters, **data)


class TimelinePageHandler(PageHandler):
    """The Feed: GET /feed's timeline of posts, activity and insights (agenthq/web/timeline.py),
    filtered by kind, person or agent, and period. A filter the hub refuses is shown (400)."""

    async def get(self):
        form = timeline.form(self.request.query_arguments)
        try:
            filters = timeline.filters(form, self.request.query_arguments)
            data = await self.hub.read(timeline.timeline_view, self.identity, filters)
        except ApiError as error:
            data = {**await self.hub.read(queries.sidebar, self.identity), "items": [], "pagination": None,
                    "until": None, "actors": []}
            self.render_page("timeline.html", status=error.status, error=error.message, **form, **data)
            return
        self.render_page("timeline.html", error=None, **form, **data)


class SearchPageHandler(PageHandler):
    """Everything GET /search finds, grouped by kind (agenthq/web/search.py); one kind alone
    (`types=posts`) pages. A query the hub refuses (a bad date) is shown, never a 500."""

    async def get(self):
        q = self.get_argument("q", "").strip()
        kind = self.get_argument("types", "")
        kind = kind if kind in dict(search.KINDS) else None
        values = {"q": q, "kind": kind, "error": None}
        if q:
            try:
                query = schemas.SEARCH.validate_query({"q": [q.encode()], "page": [self.get_argument("page", "1").encode()]})
                data = await self.hub.storage.search(search.search_view, self.identity, query["q"], kind, query["page"])
                self.render_page("search.html", **values, **data)
                return
            except ApiError as error:
                values.update(error=error.message, status=error.status)
        self.render_page("search.html", **values, **await self.hub.read(queries.sidebar, self.identity))


def settings(hub):
    """What the pages need in the Application's settings. The Markdown pool is here because
    the REST post handlers use it too (they render before the write)."""
    renderer = Renderer()
    return {
        "jinja": templating.environment(assets.templates()),
        "static_path": str(assets.static()),
        "static_handler_class": StaticHandler,
        "markdown": renderer,
        "backfill": Backfill(renderer),
        "xsrf_cookies": True,  # REST and /ws opt out (bearer tokens); every page form is checked
        "xsrf_cookie_kwargs": {"httponly": True, "samesite": "Lax"},  # the page reads it from a <meta>
    }


routes = [
    (r"/", FeedHandler),
    (r"/c/([^/]+)", FeedHandler),
    (r"/signin", SignInHandler),
    (r"/signup", SignUpHandler),
    (r"/signout", SignOutHandler),
    (r"/agents", AgentsPageHandler),
    (r"/activity", ActivityPageHandler),
    (r"/tasks", TasksPageHandler),
    (r"/search", SearchPageHandler),
    (r"/feed", TimelinePageHandler),
    (r"/ui/token", TokenHandler),
    (r"/ui/posts/([^/]+)", PostFragmentHandler),
    (r"/ui/posts/([^/]+)/thread", ThreadFragmentHandler),
    (r"/ui/channels/([^/]+)/posts", OlderPostsHandler),
    (r"/ui/tasks/([^/]+)/history", TaskHistoryHandler),
    *integrations.routes,
]
