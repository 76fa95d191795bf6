"""Where the CLI and the sync facade find the hub and its credentials: explicit values, then
AGENTHQ_URL / AGENTHQ_API_KEY / AGENTHQ_TOKEN, then the config file written by `agenthq login`."""

import json
import os
from pathlib import Path

from .client import DEFAULT_URL
from .errors import AgentHQError


def config_path(environ=None):
    environ = os.environ if environ is None else environ
    if environ.get("AGENTHQ_CONFIG"):
        return Path(environ["AGENTHQ_CONFIG"])
    base = environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "agenthq" / "config.json"


def load(path):
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise AgentHQError("CONFIG_ERROR", f"cannot read {path}: {error}") from None
    if not isinstance(data, dict):
        raise AgentHQError("CONFIG_ERROR", f"{path} is not a JSON object")
    return data


def save(path, data):
    """Write the file readable by its owner only (it holds tokens and keys), atomically, so an
    interrupted write never leaves half a file or a moment with wider permissions."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.chmod(tmp, 0o600)  # in case the file existed with other bits
    os.replace(tmp, path)


def resolve(url=None, api_key=None, token=None, agent=None, environ=None, path=None):
    """{url, api_key, token, refresh_token, from_file}. Credentials in the file are used only
    for the hub they were issued by: a token is never sent to a different URL."""
    environ = os.environ if environ is None else environ
    stored = load(path or config_path(environ))
    url = (url or environ.get("AGENTHQ_URL") or stored.get("url") or DEFAULT_URL).rstrip("/")
    found = {"url": url, "api_key": None, "token": None, "refresh_token": None, "from_file": False}
    if agent:
        key = (stored.get("agents") or {}).get(agent, {}).get("api_key")
        if not key or stored.get("url", "").rstrip("/") != url:
            raise AgentHQError("CONFIG_ERROR", f"no stored key for agent {agent!r} on {url}")
        return {**found, "api_key": key, "from_file": True}
    api_key = api_key or environ.get("AGENTHQ_API_KEY")
    token = token or environ.get("AGENTHQ_TOKEN")
    if api_key or token:
        return {**found, "api_key": api_key, "token": None if api_key else token}
    if stored.get("url", "").rstrip("/") == url:
        return {**found, "api_key": stored.get("api_key"), "token": stored.get("token"),
                "refresh_token": stored.get("refresh_token"), "from_file": True}
    return found


def save_agent_profile(path, url, agent, api_key, make_default=True):
    """Keep an agent's key as a named profile (`--agent NAME`) of the hub at `url`, as
    `agenthq connect` and the MCP tool `hub_connect` do; with make_default, also as the key
    used when no profile is named. The file belongs to one hub: another hub's keys go."""
    url = url.rstrip("/")
    data = load(path)
    if data.get("url", "").rstrip("/") != url:
        data = {"url": url}
    data.setdefault("agents", {})[agent["name"]] = {"id": agent["id"], "api_key": api_key}
    if make_default:
        data["api_key"] = api_key
        for name in ("token", "refresh_token", "email"):
            data.pop(name, None)
    save(path, data)
    return data
