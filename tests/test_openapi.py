"""The OpenAPI document: served at /api/v1/openapi.json, it lists exactly the REST routes the
app serves, with exactly the methods their handlers implement, and its request schemas say
what the validators accept (the server itself is checked against it by test_schemathesis)."""

import json
import re

import pytest
from tornado.web import RequestHandler

from agenthq import schemas
from agenthq.models import Agent, Post
from agenthq.openapi import app_routes, document, field_schema, operations
from agenthq.openapi.notes import NOTES


def _served_operations(app):
    found = set()
    for rule in app.wildcard_router.rules:
        pattern = rule.matcher.regex.pattern.rstrip("$")
        if not (pattern.startswith("/api/v1") or pattern == "/health"):
            continue
        path = re.sub(r"\(\[\^/\]\+\)", "{}", pattern)
        handler = rule.target
        for method in handler.SUPPORTED_METHODS:
            if getattr(handler, method.lower()) is not RequestHandler._unimplemented_method:
                found.add((method, path))
    return found


def test_document_lists_every_route_and_method(app):
    documented = {(op.method, re.sub(r"{\w+}", "{}", op.path)) for op in operations(app_routes(app))}
    assert documented == _served_operations(app)


def test_every_operation_has_a_note_and_no_note_is_stale(app):
    """What code cannot tell (a summary at least) is written for every operation, and a note
    left behind by a removed or renamed route fails here rather than lying in the document."""
    served = {f"{op.method} {op.path}" for op in operations(app_routes(app))}
    assert served == set(NOTES)
    assert all(NOTES[key].get("summary") for key in served)


def test_operations_are_read_from_the_handler_code(app):
    ops = {f"{op.method} {op.path}": op for op in operations(app_routes(app))}
    create = ops["POST /api/v1/posts"]
    assert create.body is schemas.CREATE_POST and create.status == 201 and create.auth
    assert ops["GET /api/v1/posts"].query is schemas.LIST_POSTS and ops["GET /api/v1/posts"].listing
    assert ops["GET /api/v1/channels/{channel_id}/posts"].data == {"$ref": "#/components/schemas/Post"}
    assert not ops["POST /api/v1/auth/login"].auth and not ops["GET /health"].envelope


def test_resource_schemas_are_the_models_public_fields(app):
    components = document(app_routes(app))["components"]["schemas"]
    # plus the computed reaction summary (§10), which is no column
    assert list(components["Post"]["properties"]) == [*Post.FIELDS, "reactions"]
    assert list(components["Agent"]["properties"]) == list(Agent.FIELDS)
    assert components["Post"]["properties"]["parent_id"]["nullable"] is True
    assert components["Agent"]["properties"]["capabilities"]["type"] == "array"


@pytest.mark.gen_test
async def test_document_is_served_without_auth(http_client, base_url, app):
    response = await http_client.fetch(base_url + "/api/v1/openapi.json")
    assert response.headers["Content-Type"].startswith("application/json")
    served = json.loads(response.body)
    assert served == json.loads(json.dumps(document(app_routes(app))))
    assert served["openapi"].startswith("3.")
    register = served["paths"]["/api/v1/auth/register"]["post"]
    assert register["security"] == [] and "201" in register["responses"]
    assert served["paths"]["/api/v1/posts"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "required"] == ["content"]


def test_every_operation_id_is_unique_and_every_ref_resolves(app):
    doc = document(app_routes(app))
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', json.dumps(doc)))
    assert refs <= set(doc["components"]["schemas"])


def test_resource_schemas_forbid_secret_fields(app):
    """The response schemas admit no extra property, so a key hash or password hash that
    slipped into an answer would fail schemathesis' response check."""
    components = document(app_routes(app))["components"]["schemas"]
    for name in ("Agent", "User", "Organization"):
        assert components[name]["additionalProperties"] is False
    assert not {"key_hash", "key_prefix", "password_hash"} & set(components["Agent"]["properties"])
    assert "password_hash" not in components["User"]["properties"]


def test_field_schemas_match_the_validators():
    slug = field_schema(schemas.REGISTER.fields["orgSlug"])
    assert slug == {"type": "string", "pattern": "^[a-z0-9-]+$", "minLength": 1, "maxLength": 64}
    post_type = field_schema(schemas.CREATE_POST.fields["type"])
    assert post_type["enum"] == [*schemas.POST_TYPES, None] and post_type["nullable"] is True
    limit = field_schema(schemas.LIST.fields["limit"], in_query=True)
    # Any text is accepted (read as parseInt, clamped), so the document promises no bound.
    assert limit["type"] == "string" and "100" in limit["description"]
    content = field_schema(schemas.CREATE_POST.fields["content"])
    assert content["maxLength"] == 20000 and "nullable" not in content
    caps = field_schema(schemas.REGISTER_AGENT.fields["capabilities"])
    assert caps["type"] == "array" and caps["maxItems"] == 100


def test_text_patterns_agree_with_the_validator_on_tricky_strings():
    """The document's patterns are ECMA regexes; for these strings Python's re gives the same
    answer as Str.clean, including Python's own idea of whitespace."""
    content = schemas.CREATE_POST.fields["content"]
    pattern = re.compile(field_schema(content)["pattern"])
    for text in ["x", " x ", "\x1c", "\u3000", "\ufeff", "a\x00b", "\x00", "  \n\t", "<script>", "\u2028a"]:
        try:
            content.clean("content", text)
            accepted = True
        except Exception:
            accepted = False
        assert bool(pattern.search(text)) == accepted, repr(text)
