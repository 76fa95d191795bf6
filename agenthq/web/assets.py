"""Where the page's templates and static files are: the packages agenthq.templates and
agenthq.static (setup.py maps the repository's top-level folders to them), so an installed
wheel and an editable checkout find them the same way, from whatever folder the hub starts."""

import importlib.resources
from pathlib import Path


def folder(package):
    # A wheel is unpacked in site-packages and the editable finder maps to the checkout's
    # folder: either way the package's files are plain files on disk, which Jinja's loader
    # and Tornado's static handler need.
    return Path(str(importlib.resources.files(package)))


def templates():
    return folder("agenthq.templates")


def static():
    return folder("agenthq.static")
