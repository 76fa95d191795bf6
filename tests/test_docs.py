"""The README's configuration table is generated from Config: this keeps the two equal."""

import dataclasses
from pathlib import Path

from agenthq.config import Config

README = Path(__file__).resolve().parent.parent / "README.md"


def config_table():
    rows = [
        "| setting | flag | environment variable | default | what it does |",
        "|---|---|---|---|---|",
    ]
    for field in dataclasses.fields(Config):
        default = field.default
        if field.name == "db":
            default = "./agenthq.db where the hub starts (run.py: beside run.py)"
        elif field.name == "redis":
            default = "(none: one process)"
        elif field.name == "public_url":
            default = "(the request's own)"
        elif default == ():
            default = "(none)"
        elif default == "":
            default = "(generated)"
        meta = field.metadata
        rows.append(f"| {field.name} | {meta['flag'] or ''} | {meta['env'] or ''} | {default} | {meta['help']} |")
    return "\n".join(rows)


def test_readme_config_table_matches_config():
    text = README.read_text()
    start = text.index("<!-- config-table:start -->") + len("<!-- config-table:start -->")
    end = text.index("<!-- config-table:end -->")
    assert text[start:end].strip() == config_table(), "regenerate with: python -c 'from tests.test_docs import config_table; print(config_table())'"
