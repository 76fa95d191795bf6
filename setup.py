"""Packaging beside pyproject.toml, for the one thing its tables cannot say: templates/ and
static/ stay at the top of the repository (the product's layout) and become the packages
agenthq.templates and agenthq.static, shipped inside the wheel and found through the package
at run time (agenthq/web/assets.py), never through a checkout's folder. An editable install
maps the same names to the top-level folders, so a checkout serves its files live."""

from setuptools import find_packages, setup

WEB = {"agenthq.templates": "templates", "agenthq.static": "static"}

setup(
    packages=[*find_packages(include=["agenthq", "agenthq.*"]), *WEB],
    package_dir=WEB,
    package_data={"agenthq.templates": ["*.html"], "agenthq.static": ["*.css", "*.svg", "js/*.js"]},
)
