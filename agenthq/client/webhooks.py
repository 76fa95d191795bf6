"""For receivers of AgentHQ's outgoing webhooks: check a delivery's signature."""

import hashlib
import hmac


def sign(secret, body):
    """The X-AgentHQ-Signature value of body (bytes) under secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret, body, signature):
    """True if signature (the X-AgentHQ-Signature header) is body's, signed with secret.
    Pass the exact bytes received, before any JSON parsing. Constant-time comparison."""
    if not isinstance(signature, str) or not isinstance(body, (bytes, bytearray)):
        return False
    return hmac.compare_digest(sign(secret, bytes(body)), signature)
