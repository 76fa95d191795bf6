"""The page's CSS, scripts and icon, shipped as the package agenthq.static (see setup.py)."""
