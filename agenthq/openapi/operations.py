"""The operations of the document, read from the app's own routes: the path and its parameter
names (the handler method's arguments), the methods a handler implements, whether it needs
credentials, and from each method's code the request schema it validates with
(`self.body(schemas.X)`, `self.query(schemas.X)`), its success status and whether it pages.
What code cannot tell (a summary, an answer that is not the path's resource, errors beyond
the usual) is in NOTES, which tests/test_openapi.py keeps in step with the routes."""

import ast
import inspect
import re
import textwrap

from tornado.web import RequestHandler

from .fields import body_schema, query_parameters
from .notes import NOTES
from .resources import obj, path_resource, ref

ERROR_TEXT = {
    400: "VALIDATION_ERROR (names the field), INVALID_JSON or BAD_REQUEST",
    401: "UNAUTHORIZED, INVALID_TOKEN or INVALID_API_KEY (INVALID_CREDENTIALS for sign-in)",
    403: "FORBIDDEN: role or ownership forbids it",
    404: "NOT_FOUND: no such resource in the caller's organization",
    409: "ORG_EXISTS, EMAIL_EXISTS, CHANNEL_EXISTS, TOKEN_ALREADY_USED, PENDING_INVITE_EXISTS or INVALID_STATUS; "
         "for tasks TASK_CLAIMED, TASK_ASSIGNED, TASK_CLOSED, NOT_CLAIMED or LEASE_EXPIRED",
    410: "TOKEN_EXPIRED or TOKEN_REVOKED: the invite can never be used",
    413: "PAYLOAD_TOO_LARGE",
    429: "RATE_LIMITED, with Retry-After",
    503: "UNAVAILABLE: the database cannot be written (disk full, read-only); reads keep working",
}
GROUP = re.compile(r"\((?:[^()\\]|\\.)*\)")


def served(routes):
    """(method, OpenAPI path, handler method, handler class) of every REST operation among
    routes, a list of (regex pattern, handler class) such as the app's."""
    found = []
    for pattern, handler in routes:
        pattern = pattern.rstrip("$")
        if not (pattern.startswith("/api/v1/") or pattern == "/health") or not isinstance(handler, type):
            continue
        for method in handler.SUPPORTED_METHODS:
            function = getattr(handler, method.lower(), None)
            if function is None or function is RequestHandler._unimplemented_method:
                continue
            names = [p for p in inspect.signature(function).parameters if p != "self"]
            path = pattern
            for name in names:
                path = GROUP.sub("{" + name + "}", path, count=1)
            found.append((method, path, function, handler))
    return found


class Op:
    def __init__(self, method, path, function, handler):
        self.method, self.path = method, path
        self.auth = handler.auth_required
        self.body = self.query = None
        self.status, self.listing, self.envelope = 200, False, False
        self._read_code(function)
        note = NOTES.get(f"{method} {path}", {})
        self.summary = note.get("summary", "")
        self.data = note.get("data") or ref(path_resource(path))
        self.provides = note.get("provides", {})
        self.success = note.get("success")  # a whole answer of its own shape (/search)
        found = {400, 413}  # any request may be malformed or too large
        if self.auth:
            found |= {401, 429}
        if self.envelope:
            found.add(503)
        if "{" in path:
            found.add(404)
        self.errors = sorted(found | set(note.get("errors", ())))

    def _read_code(self, function):
        function = inspect.unwrap(function)  # a decorated handler method: read the one written
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        names = function.__globals__
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and isinstance(call.func.value, ast.Name) and call.func.value.id == "self"):
                continue
            if call.func.attr in ("body", "query"):
                setattr(self, call.func.attr, _resolve(call.args[0], names))
            elif call.func.attr == "reply":
                self.envelope = True
                keywords = {k.arg: k.value for k in call.keywords}
                status = call.args[1] if len(call.args) > 1 else keywords.get("status")
                if status is not None:
                    self.status = ast.literal_eval(status)
                self.listing = "pagination" in keywords

    @property
    def operation_id(self):
        words = [w.strip("{}") for w in self.path.replace("/api/v1/", "/").split("/") if w]
        return self.method.lower() + "".join(w.replace("-", " ").title().replace(" ", "") for w in words)

    def operation(self, links=None):
        op = {"summary": self.summary, "operationId": self.operation_id, "responses": {}}
        op["tags"] = [self.path.split("/")[3] if self.path.startswith("/api/v1/") else "health"]
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in re.findall(r"{(\w+)}", self.path)]
        if self.query is not None:
            params += query_parameters(self.query)
        if params:
            op["parameters"] = params
        if self.body is not None:
            op["requestBody"] = {
                "required": any(field.required for field in self.body.fields.values()),
                "content": {"application/json": {"schema": body_schema(self.body)}},
            }
        if not self.auth:
            op["security"] = []
        op["responses"][str(self.status)] = {"description": "success", "content": _json(self._success())}
        if links:
            op["responses"][str(self.status)]["links"] = links
        for status in self.errors:
            response = {"description": ERROR_TEXT[status], "content": _json(ref("Error"))}
            if status == 429:
                response["headers"] = {"Retry-After": {"required": True, "description": "seconds to wait",
                                                       "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
            op["responses"][str(status)] = response
        return op

    def _success(self):
        if self.success:
            return self.success
        if not self.envelope:
            return self.data
        if self.listing:
            return obj({"success": {"type": "boolean", "enum": [True]},
                        "data": {"type": "array", "items": self.data}, "pagination": ref("Pagination")})
        return obj({"success": {"type": "boolean", "enum": [True]}, "data": self.data})


def _resolve(node, names):
    """schemas.CREATE_POST in the handler's module, as the object it names."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise TypeError(f"cannot document a request schema given as {ast.dump(node)}")
    value = names[node.id]
    for part in reversed(parts):
        value = getattr(value, part)
    return value


def _json(schema):
    return {"application/json": {"schema": schema}}


def operations(routes):
    return [Op(*found[:3], found[3]) for found in served(routes)]
