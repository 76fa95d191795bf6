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
import threading
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


def _open(address, port, timeout):
    sock = socket.create_connection((address, port), timeout)
    # http.client sends the headers and the body in two writes: with Nagle's algorithm and the
    # receiver's delayed ACK, every request on a kept-alive connection would wait ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = _open(self._address, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = _open(self._address, self.port, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url, body, headers, allow_private, timeout=10.0):
    """POST body once on a fresh connection (the test ping). Returns (response_status or None,
    error or None, duration_ms); success is a 2xx (a 3xx is not followed, and counts as a
    failure)."""
    return Sender(allow_private, timeout).post(None, url, body, headers)


class Sender:
    """Deliveries' HTTP with one kept-alive connection per webhook: a receiver that keeps the
    connection open is spared a TCP (and TLS) handshake per event. The guard still runs before
    every attempt; an idle connection is reused only when it goes to the address just checked,
    so a DNS answer that changed to a refused address gets no request on the old socket.
    Thread-safe: one webhook has one delivery in flight, and its connection is taken out of
    the pool while in use."""

    def __init__(self, allow_private, timeout):
        self.allow_private, self.timeout = allow_private, timeout
        self._idle = {}  # key -> ((scheme, host, port, address), connection)
        self._lock = threading.Lock()

    def post(self, key, url, body, headers):
        started = time.monotonic()
        try:
            scheme, host, port, path, address = resolve(url, self.allow_private)
            target = (scheme, host, port, address)
            connection = self._take(key, target)
            reused = connection is not None
            try:
                if connection is None:
                    connection = _connection(target, self.timeout)
                try:
                    status, keep = _exchange(connection, path, body, headers)
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    if not reused:
                        raise
                    # The receiver closed the idle connection between deliveries: once more on a
                    # fresh one (the delivery id lets the receiver dedupe in the rare double).
                    connection.close()
                    connection = _connection(target, self.timeout)
                    status, keep = _exchange(connection, path, body, headers)
            except BaseException:
                if connection is not None:
                    connection.close()
                raise
            if keep and key is not None:
                self._give_back(key, target, connection)
            else:
                connection.close()
        except Refused as error:
            return None, f"refused: {error}", _ms(started)
        except (OSError, http.client.HTTPException) as error:
            return None, f"{type(error).__name__}: {error}"[:500], _ms(started)
        error = None if 200 <= status < 300 else f"receiver answered {status}"
        return status, error, _ms(started)

    def _take(self, key, target):
        if key is None:
            return None
        with self._lock:
            held = self._idle.pop(key, None)
        if held is None:
            return None
        if held[0] != target:  # the URL changed or now resolves elsewhere
            held[1].close()
            return None
        return held[1]

    def _give_back(self, key, target, connection):
        with self._lock:
            old = self._idle.pop(key, None)
            self._idle[key] = (target, connection)
        if old is not None:
            old[1].close()

    def close(self):
        with self._lock:
            held, self._idle = list(self._idle.values()), {}
        for _, connection in held:
            connection.close()


def _connection(target, timeout):
    scheme, host, port, address = target
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    return kind(host, port, address, timeout)


def _exchange(connection, path, body, headers):
    """(status, whether the connection may be kept for the next delivery)."""
    connection.request("POST", path, body=body, headers={"User-Agent": USER_AGENT, **headers})
    response = connection.getresponse()
    response.read(64 * 1024)  # enough to let the receiver finish; the rest is not ours to hold
    # A longer answer than we read, or a receiver that says close, ends the connection.
    return response.status, response.isclosed() and not response.will_close


def _ms(started):
    return int((time.monotonic() - started) * 1000)
