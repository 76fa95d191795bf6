"""Compatibility only: new code imports these from tests.support."""
from tests.support.processes import ROOT, SERVING, HubProcess  # noqa: F401
