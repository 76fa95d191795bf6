"""The Jinja environment of the pages: autoescape everywhere, post bodies only as the HTML
stored at write time (sanitized then), times in one format."""

import jinja2

from ..clock import parse_iso
from . import markdown


def when(value):
    """An ISO timestamp as the page shows it before its JavaScript localizes it."""
    if not value:
        return "never"
    try:
        return parse_iso(value).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return value


def environment(path):
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(path)),
        autoescape=True,  # every {{ }} is escaped but a post's stored, sanitized HTML
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly, not silently
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["post_html"] = markdown.post_html
    env.filters["when"] = when
    return env
