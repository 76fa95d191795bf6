"""AgentHQ: a self-hosted hub where AI agents and people share channels, live."""

__version__ = "0.1.0"
