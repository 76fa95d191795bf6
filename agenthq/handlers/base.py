"""What every REST handler shares: auth in prepare(), JSON in and out, and one error renderer."""

import functools
import inspect
import json
import logging
import traceback

from tornado.web import HTTPError, RequestHandler, stream_request_body

from .. import cors
from ..auth import Unconfirmed, bearer_token, confirming
from ..httplimits import authenticated
from ..clock import now_iso
from ..handler_settings import SharedObjects
from ..errors import ApiError, MethodNotAllowed, NotFound, PayloadTooLarge, error_body
from ..jsonbody import parse_json_object
from ..pagecache import Encoded
from ..services import agents

log = logging.getLogger("agenthq")

_HTTP_ERRORS = {404: NotFound, 405: MethodNotAllowed, 413: PayloadTooLarge}


@stream_request_body
class BaseHandler(SharedObjects, RequestHandler):
    """Bodies are streamed so that an oversized one is refused with 413 before it is read."""

    auth_required = True
    # Methods whose service call confirms a person's verified access token itself, in its
    # own transaction (service_read / service_write): one thread hop per request instead of two.
    confirm_in_transaction = frozenset()

    def __init_subclass__(cls, **kwargs):
        """Every method that may carry a body first waits for it to be parsed off the loop, so
        that body() stays a plain call for the handlers."""
        super().__init_subclass__(**kwargs)
        for name in ("post", "put", "patch", "delete"):
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "_after_body", False):
                setattr(cls, name, _after_body_parsed(method))

    def initialize(self):
        self.identity = None
        self._body = bytearray()
        self._body_too_large = False
        self._parsed = None  # (data, None) or (None, the ApiError to raise from body())
        self._counted = False

    def check_xsrf_cookie(self):
        """The API authenticates with bearer tokens, never with cookies, so a forged
        cross-site form cannot act through it: no XSRF token is needed here."""

    def set_default_headers(self):
        cors.add_headers(self)

    async def prepare(self):
        if cors.answer_preflight(self):
            return
        self.hub.in_flight += 1
        self._counted = True
        length = self.request.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.hub.config.max_body_bytes:
            raise PayloadTooLarge()
        if self.auth_required:
            token = bearer_token(self.request.headers.get("Authorization"))
            # A token seen seconds ago is answered from memory, without a trip to a reader.
            self.identity = self.hub.tokens.cache.get(token) or (
                self.hub.tokens.unconfirmed(token) if self.request.method in self.confirm_in_transaction else None
            ) or await self.hub.authenticate(token)
            authenticated(self.request)
            await self.rate_limits.check_request(self.identity)
            if self.identity.is_agent and self.hub.last_active.due(self.identity.id):
                self.hub.spawn(self.hub.write(agents.mark_active, self.identity.id, now_iso()), "last-active write")

    def on_finish(self):
        self._uncount()

    def on_connection_close(self):
        """The client left (or its body was refused) before an answer: on_finish never runs."""
        super().on_connection_close()
        self._uncount()

    def _uncount(self):
        if self._counted:
            self._counted = False
            self.hub.in_flight -= 1

    def data_received(self, chunk):
        if len(self._body) + len(chunk) > self.hub.config.max_body_bytes:
            self._body_too_large = True
            self._body.clear()
        elif not self._body_too_large:
            self._body.extend(chunk)

    async def _parse_body(self):
        if self._body and not self._body_too_large:
            try:
                self._parsed = (await self.json_parser.parse(bytes(self._body)), None)
            except ApiError as error:  # raised where the handler asks for the body, as before
                self._parsed = (None, error)
            self._body.clear()

    def service_read(self, fn, *args):
        """hub.read(fn, self.identity, *args), the identity confirmed in that transaction when
        prepare() left it unconfirmed (confirm_in_transaction)."""
        return self.hub.read(*self._confirming(fn), self.identity, *args)

    def service_write(self, fn, *args):
        """hub.write(fn, self.identity, *args), as service_read()."""
        return self.hub.write(*self._confirming(fn), self.identity, *args)

    def _confirming(self, fn):
        return (confirming, fn) if isinstance(self.identity, Unconfirmed) else (fn,)

    def body(self, schema):
        """The request's JSON object, validated by the endpoint's schema."""
        if self._body_too_large:
            raise PayloadTooLarge()
        if self._parsed is None:
            self._parsed = (parse_json_object(bytes(self._body) or b"{}"), None)
        data, error = self._parsed
        if error is not None:
            raise error
        return schema.validate(data)

    def query(self, schema):
        return schema.validate_query(self.request.query_arguments)

    def reply(self, data, status=200, pagination=None):
        if isinstance(data, Encoded):  # a page from the hub's PageCache, already JSON
            tail = f',"pagination":{json.dumps(pagination, separators=(",", ":"))}' if pagination is not None else ""
            self.set_status(status)
            self.set_header("Content-Type", "application/json; charset=UTF-8")
            self.finish(f'{{"success":true,"data":{data.text}{tail}}}')
            return
        payload = {"success": True, "data": data}
        if pagination is not None:
            payload["pagination"] = pagination
        self.write_json(payload, status)

    def write_json(self, payload, status=200):
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(payload, separators=(",", ":"), ensure_ascii=False))

    def write_error(self, status_code, **kwargs):
        error = _as_api_error(kwargs.get("exc_info"), status_code)
        for name, value in error.headers.items():
            self.set_header(name, value)
        if error.status == 405:  # RFC 9110: a 405 names the methods that would work
            self.set_header("Allow", ", ".join(m for m in self.SUPPORTED_METHODS if getattr(
                type(self), m.lower()) is not RequestHandler._unimplemented_method))
        self.set_status(error.status)
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(error_body(error), separators=(",", ":")))

    def log_exception(self, typ, value, tb):
        """Expected API errors are answers, not failures; anything else is logged once, with
        the request line (without the query string, which may hold a token)."""
        if isinstance(value, (ApiError, HTTPError)):
            return
        log.error(
            "unhandled error in %s %s: %s",
            self.request.method,
            self.request.path,
            "".join(traceback.format_exception(typ, value, tb)),
        )


def _after_body_parsed(method):
    @functools.wraps(method)
    async def wrapper(self, *args, **kwargs):
        await self._parse_body()
        result = method(self, *args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    wrapper._after_body = True
    return wrapper


def _as_api_error(exc_info, status_code):
    error = exc_info[1] if exc_info else None
    if isinstance(error, ApiError):
        return error
    if isinstance(error, HTTPError) and error.status_code in _HTTP_ERRORS:
        cls = _HTTP_ERRORS[error.status_code]
        return cls("route") if cls is NotFound else cls()
    if status_code == 400 or (isinstance(error, HTTPError) and 400 <= error.status_code < 500):
        result = ApiError("Bad request")
        result.status, result.code = 400, "BAD_REQUEST"
        return result
    return ApiError()


class NotFoundHandler(BaseHandler):
    auth_required = False

    async def prepare(self):
        await super().prepare()
        raise NotFound("route")


class HealthHandler(BaseHandler):
    auth_required = False

    def get(self):
        # success as well as status: the Go CLI's `setup test` checks it (§6.2).
        self.write_json({"success": True, "status": "ok", "timestamp": now_iso()})


routes = [(r"/health", HealthHandler)]
