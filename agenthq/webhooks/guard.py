"""The SSRF guard and the one HTTP POST of a delivery. Blocking: called on a thread pool,
never on the event loop.

The host is resolved once; if any address it resolves to is not a public unicast address
(loopback, private, link-local, CGNAT, unspecified, multicast, reserved...) the URL is
refused; otherwise the connection goes to the address that was checked (no second lookup, so
a DNS answer that changes between check and connect cannot slip past), TLS is verified
against the host name, and redirects are never followed."""

import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urlsplit

from ..errors import ValidationError

USER_AGENT = "AgentHQ-Webhooks/1.0"


class Refused(Exception):
    """The URL may not be called (scheme, host, or an address the guard refuses)."""


def _forbidden(address):
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    # is_global is False for loopback, private, link-local, CGNAT (100.64/10), unspecified,
    # reserved and documentation ranges; multicast is refused separately.
    return not ip.is_global or ip.is_multicast


def resolve(url, allow_private):
    """(scheme, host, port, path, the checked address) or Refused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused(f"not a valid URL: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("only http and https URLs with a host are allowed")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"host cannot be resolved: {error}") from None
    addresses = [info[4][0] for info in found]
    if not addresses:
        raise Refused("host cannot be resolved")
    if not allow_private:
        for address in addresses:
            if _forbidden(address):
                raise Refused(f"host resolves to a non-public address ({address})")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port, path, addresses[0]


def check_url(url, allow_private):
    """For creation and change: the guard's answer as the API's VALIDATION_ERROR."""
    try:
        resolve(url, allow_private)
    except Refused as error:
        raise ValidationError("url", f"url refused: {error}") from None


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url, body, headers, allow_private, timeout=10.0):
    """POST body once. Returns (response_status or None, error or None, duration_ms); success
    is a 2xx (a 3xx is not followed, and counts as a failure)."""
    started = time.monotonic()
    try:
        scheme, host, port, path, address = resolve(url, allow_private)
        kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
        connection = kind(host, port, address, timeout)
        try:
            connection.request("POST", path, body=body, headers={"User-Agent": USER_AGENT, **headers})
            response = connection.getresponse()
            response.read(64 * 1024)  # enough to let the receiver finish; the rest is not ours to hold
            status = response.status
        finally:
            connection.close()
    except Refused as error:
        return None, f"refused: {error}", _ms(started)
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"[:500], _ms(started)
    error = None if 200 <= status < 300 else f"receiver answered {status}"
    return status, error, _ms(started)


def _ms(started):
    return int((time.monotonic() - started) * 1000)
