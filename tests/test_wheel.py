"""The hub installed the normal way (issue 12): a wheel built from this checkout, installed
in a fresh virtual environment, started from folders that have nothing to do with the
checkout, serves every page, and keeps its default database in the folder it started from.

Offline: the wheel is built with this environment's setuptools (no build isolation) and its
dependencies are this environment's packages, made visible to the new venv by a .pth line."""

import http.cookiejar
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.parse
import urllib.request
import zipfile

import pytest

from tests.support import ROOT, SERVING


PAGES = ["/", "/agents", "/activity", "/search?q=hello", "/static/app.css", "/static/favicon.svg"]


def _copy_source(target):
    """Build from a copy, so the build leaves nothing (build/, egg-info) in the checkout."""
    ignore = shutil.ignore_patterns(".git", ".venv", "venv", "__pycache__", "*.db*", "node_modules", "build",
                                    "*.egg-info", ".pytest_cache", "out")
    shutil.copytree(ROOT, target, ignore=ignore)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    source = _copy_source(base / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "-q", "-w", str(base / "dist"), str(source)], check=True, capture_output=True, timeout=300)
    wheel = next((base / "dist").glob("agenthq-*.whl"))
    shutil.rmtree(source / "build", ignore_errors=True)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    site = next(venv.glob("lib/python*/site-packages"))
    # The dependencies: this environment's packages, after the venv's own (so agenthq itself
    # comes from the wheel, never from the checkout this environment may have installed).
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    return wheel, venv, source


def test_the_wheel_carries_the_templates_and_static_files(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, pattern in (("templates", "*.html"), ("static", "*.css"), ("static/js", "*.js")):
        for path in (ROOT / folder).glob(pattern):
            assert f"agenthq/{folder}/{path.name}" in names, path
    assert not any(name.startswith(("templates/", "static/", "tests/")) for name in names)


class Hub:
    """The installed hub, started the way a user would, from `folder`."""

    def __init__(self, command, folder):
        self.folder = folder
        self.process = subprocess.Popen([*command, "--port", "0"], cwd=folder, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        for line in self.process.stdout:
            if SERVING.search(line):
                self.url = f"http://127.0.0.1:{SERVING.search(line).group(1)}"
                self.database = re.search(r"\(database (.*)\)", line).group(1)
                return
        raise AssertionError(f"the installed hub did not start (exit {self.process.wait()})")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def _browse_every_page(url):
    """Sign up through the form, post, and fetch every page and fragment: each must answer."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(url + "/signup", timeout=10).read().decode()
    assert 'name="orgSlug"' in form
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form).group(1)
    fields = {"_xsrf": xsrf, "orgName": "Wheel", "orgSlug": "wheel", "name": "Ada", "email": "ada@wheel.test",
              "password": "correct-horse-battery"}
    feed = opener.open(url + "/signup", urllib.parse.urlencode(fields).encode(), timeout=10)
    assert feed.url == url + "/" and b"#general" in feed.read()
    for path in PAGES:
        with opener.open(url + path, timeout=10) as response:
            assert response.status == 200 and response.read(), path
    scripts = re.findall(r'src="(/static/js/[^"]+)"', opener.open(url + "/", timeout=10).read().decode())
    assert scripts
    for script in scripts:
        assert opener.open(url + script, timeout=10).status == 200
    token = opener.open(urllib.request.Request(url + "/ui/token", b"", headers={"X-XSRFToken": xsrf}), timeout=10)
    assert token.status == 200


@pytest.mark.parametrize("how", ["agenthq serve", "python -m agenthq serve"])
def test_the_installed_hub_serves_every_page_from_any_folder(installed, tmp_path, how):
    _, venv, _ = installed
    command = [str(venv / "bin" / "agenthq"), "serve"] if how == "agenthq serve" else \
        [str(venv / "bin" / "python"), "-m", "agenthq", "serve"]
    folder = tmp_path / "somewhere"
    folder.mkdir()
    hub = Hub(command, folder)
    try:
        _browse_every_page(hub.url)
    finally:
        hub.stop()
    # Its default database is ./agenthq.db where it started, not in site-packages.
    assert hub.database == "agenthq.db" and (folder / "agenthq.db").exists()
    assert not list(venv.glob("lib/python*/site-packages/**/agenthq.db"))


def test_run_py_in_a_checkout_keeps_its_database_beside_it(installed, tmp_path):
    _, _, checkout = installed  # a copy of the checkout, so the real one gets no database
    hub = Hub([sys.executable, str(checkout / "run.py")], tmp_path)
    try:
        with urllib.request.urlopen(hub.url + "/signin", timeout=10) as response:
            assert response.status == 200
    finally:
        hub.stop()
    assert hub.database == str(checkout / "agenthq.db") and (checkout / "agenthq.db").exists()
    assert not (tmp_path / "agenthq.db").exists()
