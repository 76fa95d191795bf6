"""The page templates, shipped as the package agenthq.templates (see setup.py)."""
