"""docs/api.md is the project's own API reference: its endpoint table lists exactly what the
OpenAPI document serves, its event table only names of agenthq/events.py with their audience,
and no README or docs link leaves the repository."""

import re
from pathlib import Path

from agenthq.events import CHANNEL, EVENTS, IDENTITY, MEMBERS, ORG
from agenthq.openapi import app_routes, document

ROOT = Path(__file__).resolve().parent.parent
API_DOC = ROOT / "docs" / "api.md"


def _section(text, heading):
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def test_the_endpoint_table_is_the_openapi_documents(app):
    table = _section(API_DOC.read_text(), "REST endpoints")
    documented = set(re.findall(r"^\| `(GET|POST|PATCH|DELETE|PUT) (/\S*)` \|", table, re.M))
    served = {(method.upper(), path) for path, item in document(app_routes(app))["paths"].items() for method in item}
    assert documented == served, {"missing": served - documented, "stale": documented - served}


def test_the_event_table_names_only_real_events_with_their_audience():
    table = _section(API_DOC.read_text(), "Events")
    rows = re.findall(r"^\| `([a-z]+\.[a-z_]+)` \| ([^|]+) \|", table, re.M)
    assert rows
    phrase = {ORG: "organization", CHANNEL: "subscribed to the channel", MEMBERS: "members", IDENTITY: "only"}
    for name, to_whom in rows:
        assert name in EVENTS, name
        assert phrase[EVENTS[name].audience] in to_whom, (name, to_whom)


def test_readme_and_docs_link_only_inside_the_repository():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        text = page.read_text()
        assert "../shared" not in text and "SPEC.md" not in text, page
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                assert re.match(r"https?://(127\.0\.0\.1|localhost)[:/]", target), f"{page.name}: {target}"
                continue
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.is_relative_to(ROOT) and path.exists(), f"{page.name}: {target}"
