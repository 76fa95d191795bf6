"""What every page shares: the security headers, the session check in prepare(), rendering
and errors, the sign-in redirect check, and the static file handler.

Unlike the REST handlers these authenticate with the session cookie, so XSRF protection stays
on for every POST (Tornado checks it before prepare())."""

import json
import re

from tornado.escape import url_escape
from tornado.web import HTTPError, RequestHandler, StaticFileHandler

from .. import httplimits
from ..errors import ApiError
from ..handler_settings import SharedObjects
from . import queries, session

# What a page may do, whatever a post contains: scripts and styles only from our own files
# (no inline script, so injected markup cannot run), no plugins, no framing (clickjacking),
# forms and <base> pinned to our origin.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'{ws}; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d+)?$|^\[[0-9a-fA-F:.]+\](:\d+)?$")
# A browser's URL parser (WHATWG) deletes tab, CR and LF anywhere in a URL before reading it,
# so "/\t/evil.example" is "//evil.example" to it: another host.
_URL_IGNORED = re.compile(r"[\t\n\r]")
_PRINTABLE_ASCII = re.compile(r"^[\x21-\x7e]*$")


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
    """Where to go after signing in: only a path on this site, judged as the browser will
    read it, else "/". An open redirect would make our sign-in page a phishing tool.

    After the browser's own clean-up (tab, CR, LF removed), the target must start with one
    "/" not followed by "/" or "\\" (both start another host: "//host", "/\\host"), and be
    printable ASCII (what we put in `next` is a percent-encoded request URI; anything else,
    spaces or control characters, is not ours and could not go in a Location header)."""
    cleaned = _URL_IGNORED.sub("", target or "")
    if (
        cleaned.startswith("/")
        and cleaned[1:2] not in ("/", "\\")
        and _PRINTABLE_ASCII.match(cleaned)
    ):
        return cleaned
    return "/"


class PageHandler(SharedObjects, RequestHandler):
    login_required = True
    fragment = False  # answers the page's fetch(): errors as short text, never a sign-in redirect

    def initialize(self):
        self.identity = None
        self.user = None
        self.session_hash = None

    @property
    def session_lifetime(self):
        return self.hub.config.refresh_token_ttl

    def set_default_headers(self):
        security_headers(self)
        # Pages hold an organization's data: keep them out of shared and back-button caches.
        self.set_header("Cache-Control", "no-store")

    async def prepare(self):
        self.settings["backfill"].ensure_started(self.hub)
        self.session_hash = session.read(self)
        if self.session_hash:
            signed_in = await self.hub.read(queries.session_identity, self.session_hash)
            if signed_in:
                self.identity, self.user = signed_in
                # A signed-in browser's connection no longer counts against its address's cap
                # on unauthenticated connections (agenthq/httplimits.py).
                httplimits.authenticated(self.request)
        if self.login_required and self.identity is None:
            if self.fragment or self.request.method not in ("GET", "HEAD"):
                self.send_json({"error": "signed out"}, 401)
            else:
                self.redirect("/signin?next=" + url_escape(self.request.uri))

    async def sign_in(self, user_id, org_id):
        await session.start(self, user_id, org_id, self.session_lifetime)

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
            for name, value in error.headers.items():  # Retry-After of a 429
                self.set_header(name, value)
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


class StaticHandler(StaticFileHandler):
    def set_default_headers(self):
        self.set_header("X-Content-Type-Options", "nosniff")

    def parse_url_path(self, url_path):
        # A NUL (from %00) makes the file system calls raise instead of answer; no file of
        # ours has a control character in its name, so such a path is simply not found.
        # The folder is also a Python package (its __init__.py ships it in the wheel): that
        # file is not one of the page's.
        if any(ord(c) < 0x20 or c == "\x7f" for c in url_path) or url_path.endswith(".py"):
            raise HTTPError(404)
        return super().parse_url_path(url_path)
