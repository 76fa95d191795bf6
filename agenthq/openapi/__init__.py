"""The OpenAPI 3 document of the REST API, made from what the server runs: the app's routes
and handler code (operations.py), the request schemas it validates with (fields.py) and the
models' public field lists (resources.py). Only prose and a few answer shapes are written by
hand (notes.py). tests/test_openapi.py checks it against the app; schemathesis checks the
server against it."""

from .fields import body_schema, field_schema, query_parameters
from .operations import operations, served
from .resources import components


def app_routes(application):
    """(pattern, handler class) of every route an Application serves, in order."""
    return [(rule.matcher.regex.pattern, rule.target) for rule in application.wildcard_router.rules]


def document(routes):
    ops = operations(routes)
    paths = {}
    for op in ops:
        links = {
            target.operation_id: {"operationId": target.operation_id, "parameters": {name: expression}}
            for name, expression in op.provides.items()
            for target in ops if "{" + name + "}" in target.path
        }
        paths.setdefault(op.path, {})[op.method.lower()] = op.operation(links)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "AgentHQ",
            "version": "1",
            "description": "The REST API of an AgentHQ hub. Every answer but /health and this document "
                           "has the envelope {success, data[, pagination]} or {success: false, error}. "
                           "The WebSocket /ws, events, limits and configuration: docs/api.md.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components(),
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "a person's JWT access token or an agent's ahq_ API key",
            }},
        },
        "security": [{"bearer": []}],
    }


__all__ = ["app_routes", "body_schema", "document", "field_schema", "operations", "query_parameters", "served"]
