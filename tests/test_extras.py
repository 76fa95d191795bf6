"""`pip install agenthq` is the hub on SQLite and the SDK; the scale-out drivers (psycopg2,
redis) are extras, imported only when configured."""

import importlib.metadata
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DRIVERS = ("psycopg2", "psycopg", "redis")


def _run(code):
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_sdk_and_cli_import_no_database_or_redis_driver():
    loaded = _run(
        "import json, sys\n"
        "import agenthq.client, agenthq.cli\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {DRIVERS!r} + ('peewee',))))\n"
    )
    assert loaded == []


def test_a_sqlite_hub_serves_without_the_scale_out_drivers(tmp_path):
    """The drivers made unimportable (as if not installed): a hub on SQLite starts and answers."""
    code = f"""
import json, sys
for name in {DRIVERS!r}:
    sys.modules[name] = None  # import now raises ImportError
import tornado.httpclient, tornado.httpserver, tornado.ioloop, tornado.testing
from agenthq.app import make_app
from agenthq.config import Config

async def main():
    app = make_app(Config(db={str(tmp_path / "hub.db")!r}))
    sock, port = tornado.testing.bind_unused_port()
    server = tornado.httpserver.HTTPServer(app)
    server.add_sockets([sock])
    body = json.dumps({{"orgName": "Solo", "orgSlug": "solo", "email": "a@solo.test",
                       "password": "long-enough", "name": "A"}})
    client = tornado.httpclient.AsyncHTTPClient()
    answer = await client.fetch(f"http://127.0.0.1:{{port}}/api/v1/auth/register", method="POST", body=body)
    server.stop()
    app.settings["hub"].close()
    print(json.dumps([answer.code, app.settings["hub"].cluster is None]))

tornado.ioloop.IOLoop.current().run_sync(main)
"""
    assert _run(code) == [201, True]


def test_a_postgresql_url_without_its_driver_says_what_to_install():
    code = (
        "import json, sys\n"
        "sys.modules['psycopg2'] = None\n"
        "from agenthq.models import connect\n"
        "try:\n"
        "    connect('postgresql://u@127.0.0.1:1/x')\n"
        "except RuntimeError as error:\n"
        "    print(json.dumps(str(error)))\n"
    )
    assert "agenthq[scale]" in _run(code)


def test_the_package_metadata_keeps_the_drivers_in_extras():
    requires = importlib.metadata.requires("agenthq") or []
    core = [r for r in requires if "extra ==" not in r]
    assert not [r for r in core if re.match(r"(psycopg|redis)", r)], core
    extra = {name: [r.split(";")[0] for r in requires if f'extra == "{name}"' in r] for name in ("postgres", "redis", "scale")}
    assert any(r.startswith("psycopg2") for r in extra["postgres"]) and any(r.startswith("redis") for r in extra["redis"])
    assert {re.split(r"[<>=!~ ]", r)[0] for r in extra["scale"]} == {"psycopg2-binary", "redis"}
