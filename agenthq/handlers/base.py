"""What every REST handler shares: auth in prepare(), JSON in and out, and one error renderer."""

import json
import logging
import traceback

from tornado.web import HTTPError, RequestHandler, stream_request_body

from .. import cors
from ..auth import bearer_token
from ..clock import now_iso
from ..errors import ApiError, InvalidJson, MethodNotAllowed, NotFound, PayloadTooLarge, error_body
from ..services import agents

log = logging.getLogger("agenthq")

_HTTP_ERRORS = {404: NotFound, 405: MethodNotAllowed, 413: PayloadTooLarge}


@stream_request_body
class BaseHandler(RequestHandler):
    """Bodies are streamed so that an oversized one is refused with 413 before it is read."""

    auth_required = True

    def initialize(self):
        self.identity = None
        self._body = bytearray()
        self._body_too_large = False
        self._counted = False

    def check_xsrf_cookie(self):
        """The API authenticates with bearer tokens, never with cookies, so a forged
        cross-site form cannot act through it: no XSRF token is needed here."""

    @property
    def hub(self):
        return self.settings["hub"]

    def set_default_headers(self):
        cors.add_headers(self)

    async def prepare(self):
        if cors.answer_preflight(self):
            return
        self.hub.ensure_started()
        self.hub.in_flight += 1
        self._counted = True
        length = self.request.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.hub.config.max_body_bytes:
            raise PayloadTooLarge()
        if self.auth_required:
            token = bearer_token(self.request.headers.get("Authorization"))
            # A token seen seconds ago is answered from memory, without a trip to a reader.
            self.identity = self.hub.tokens.cache.get(token) or await self.hub.authenticate(token)
            await self.settings["rate_limits"].check_request(self.identity)
            if self.identity.is_agent and self.hub.last_active.due(self.identity.id):
                self.hub.spawn(self.hub.write(agents.mark_active, self.identity.id, now_iso()), "last-active write")

    def on_finish(self):
        if self._counted:
            self.hub.in_flight -= 1

    def data_received(self, chunk):
        if len(self._body) + len(chunk) > self.hub.config.max_body_bytes:
            self._body_too_large = True
            self._body.clear()
        elif not self._body_too_large:
            self._body.extend(chunk)

    def body(self, schema):
        """The request's JSON object, validated by the endpoint's schema."""
        if self._body_too_large:
            raise PayloadTooLarge()
        return schema.validate(parse_json_object(self._body or b"{}"))

    def query(self, schema):
        return schema.validate_query(self.request.query_arguments)

    def reply(self, data, status=200, pagination=None):
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


# Deeper than this is no one's real data, and far below where json's recursion would fail.
MAX_JSON_DEPTH = 64


def parse_json_object(raw):
    """A request body as a dict, or InvalidJson. Also refused, because once stored they would
    break every later answer that includes them: NaN and Infinity (not JSON; a browser's
    JSON.parse rejects them), lone surrogates such as "\\ud800" (valid JSON escapes, but not
    UTF-8) and absurd nesting (a RecursionError, i.e. a 500)."""
    try:
        data = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise InvalidJson() from None
    if not isinstance(data, dict):
        raise InvalidJson()
    if _too_deep(data, MAX_JSON_DEPTH):
        raise InvalidJson(f"Request body is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidJson("Request body must be valid UTF-8 (no lone surrogates)") from None
    return data


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text):
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def _too_deep(value, limit):
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


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
