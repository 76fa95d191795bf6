"""Page-only code for the web UI: the session cookie, safe Markdown, templating, and the
database reads the pages need. The REST API never imports this package."""
