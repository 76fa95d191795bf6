"""/api/v1/openapi.json: the OpenAPI 3 document of the REST API (made in agenthq/openapi.py)."""

import json

from ..openapi import document
from .base import BaseHandler


class OpenApiHandler(BaseHandler):
    auth_required = False
    _text = None  # the document depends on code only: made once

    def get(self):
        if OpenApiHandler._text is None:
            OpenApiHandler._text = json.dumps(document(), separators=(",", ":"))
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(OpenApiHandler._text)


routes = [(r"/api/v1/openapi.json", OpenApiHandler)]
