"""/api/v1/openapi.json: the OpenAPI 3 document of the REST API, made from this app's own
routes (agenthq/openapi/)."""

import json

from ..openapi import app_routes, document
from .base import BaseHandler


class OpenApiHandler(BaseHandler):
    auth_required = False

    def get(self):
        # The document depends on the app's code only: made once per app.
        text = self.settings.get("openapi_text")
        if text is None:
            text = self.settings["openapi_text"] = json.dumps(document(app_routes(self.application)),
                                                              separators=(",", ":"))
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(text)


routes = [(r"/api/v1/openapi.json", OpenApiHandler)]
