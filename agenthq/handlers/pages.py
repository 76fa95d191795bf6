"""The web page: sign-up, sign-in and sign-out, the feed, agents, activity and search pages,
the fragments the page's JavaScript fetches, and the cookie-to-token exchange.

Unlike the REST handlers these authenticate with the session cookie, so XSRF protection stays
on for every POST (Tornado checks it before prepare())."""

import json
import re

from tornado.escape import url_escape
from tornado.web import HTTPError, RequestHandler, StaticFileHandler

from .. import schemas
from ..config import ROOT
from ..errors import ApiError
from ..signin import sign_in, sign_up
from ..web import queries, session, templating

# What a page may do, whatever a post contains: scripts and styles only from our own files
# (no inline script, so injected markup cannot run), no plugins, no framing (clickjacking),
# forms and <base> pinned to our origin.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'{ws}; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d+)?$|^\[[0-9a-fA-F:.]+\](:\d+)?$")


def security_headers(handler):
    host = handler.request.host
    # 'self' covers ws:/wss: of our host in CSP 3 browsers; older ones need it spelled out.
    ws = f" ws://{host} wss://{host}" if _HOST.match(host or "") else ""
    handler.set_header("Content-Security-Policy", _CSP.format(ws=ws))
    handler.set_header("X-Frame-Options", "DENY")
    handler.set_header("X-Content-Type-Options", "nosniff")
    handler.set_header("Referrer-Policy", "same-origin")
    handler.set_header("Cross-Origin-Opener-Policy", "same-origin")


def safe_next(target):
    """Only a path on this site: an open redirect would make our sign-in page a phishing tool."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


class PageHandler(RequestHandler):
    login_required = True
    fragment = False  # answers the page's fetch(): errors as short text, never a sign-in redirect

    def initialize(self):
        self.identity = None
        self.user = None

    @property
    def hub(self):
        return self.settings["hub"]

    @property
    def session_lifetime(self):
        return self.hub.config.refresh_token_ttl

    def set_default_headers(self):
        security_headers(self)
        # Pages hold an organization's data: keep them out of shared and back-button caches.
        self.set_header("Cache-Control", "no-store")

    async def prepare(self):
        found = session.read(self, self.session_lifetime)
        if found:
            signed_in = await self.hub.read(queries.session_identity, *found)
            if signed_in:
                self.identity, self.user = signed_in
        if self.login_required and self.identity is None:
            if self.fragment or self.request.method not in ("GET", "HEAD"):
                self.send_json({"error": "signed out"}, 401)
            else:
                self.redirect("/signin?next=" + url_escape(self.request.uri))

    def context(self, **values):
        return {
            "xsrf_token": self.xsrf_token.decode(),
            "static_url": self.static_url,
            "user": self.user,
            "is_admin": bool(self.identity and self.identity.is_admin),
            "path": self.request.path,
            "channel": None,  # the channel on screen, if any (the sidebar highlights it)
            "q": "",  # the search box's text
            **values,
        }

    def render_page(self, template, status=200, **values):
        html = self.settings["jinja"].get_template(template).render(self.context(**values))
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.finish(html)

    def send_json(self, payload, status=200):
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(payload))

    def write_error(self, status_code, **kwargs):
        error = kwargs.get("exc_info", (None, None))[1]
        if isinstance(error, ApiError):
            status_code, message = error.status, error.message
        elif status_code == 403:
            message = "This form has expired. Reload the page and try again."
        else:
            message = "Something went wrong." if status_code >= 500 else "That did not work."
        self.set_status(status_code)
        if self.fragment:
            self.send_json({"error": message}, status_code)
        else:
            self.render_page("error.html", status=status_code, status_code=status_code, message=message)

    def log_exception(self, typ, value, tb):
        if isinstance(value, (ApiError, HTTPError)):
            return  # an answer, not a failure
        super().log_exception(typ, value, tb)


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
        session.start(self, result["user"]["id"], result["user"]["org_id"], self.session_lifetime)
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
        session.start(self, result["user"]["id"], result["org"]["id"], self.session_lifetime)
        self.redirect("/")


class SignOutHandler(PageHandler):
    login_required = False

    def post(self):
        session.end(self)
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


class AgentsPageHandler(PageHandler):
    async def get(self):
        self.render_page("agents.html", **await self.hub.read(queries.agents_page, self.identity))


class ActivityPageHandler(PageHandler):
    async def get(self):
        args = {k: v for k, v in self.request.query_arguments.items() if v and v[0]}
        args.setdefault("limit", [b"50"])
        query = schemas.LIST_ACTIVITY.validate_query(args)
        data = await self.hub.read(queries.activity_page, self.identity, query)
        filters = {k: self.get_argument(k, "") for k in ("actor_id", "action")}
        self.render_page("activity.html", filters=filters, **data)


class SearchPageHandler(PageHandler):
    async def get(self):
        q = self.get_argument("q", "").strip()
        page = self.get_argument("page", "1")
        data = await self.hub.read(queries.sidebar, self.identity)
        if q:
            query = schemas.SEARCH_POSTS.validate_query({"q": [q.encode()], "page": [page.encode()]})
            data = await self.hub.storage.search(queries.search_page, self.identity, query)
        self.render_page("search.html", q=q, **{"results": [], "pagination": None, **data})


class StaticHandler(StaticFileHandler):
    def set_default_headers(self):
        self.set_header("X-Content-Type-Options", "nosniff")


def settings(hub):
    """What the pages need in the Application's settings."""
    return {
        "jinja": templating.environment(ROOT / "templates"),
        "static_path": str(ROOT / "static"),
        "static_handler_class": StaticHandler,
        "cookie_secret": session.cookie_secret(hub.tokens.secret),
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
    (r"/search", SearchPageHandler),
    (r"/ui/token", TokenHandler),
    (r"/ui/posts/([^/]+)", PostFragmentHandler),
    (r"/ui/channels/([^/]+)/posts", OlderPostsHandler),
]
