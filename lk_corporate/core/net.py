"""Where a request comes from, as every rate limit, allow-list and audit entry sees it."""

from flask import request


def client_ip() -> str:
    """The client's IP address (behind a trusted proxy, ProxyFix has already set it)."""
    return request.remote_addr or "0.0.0.0"
