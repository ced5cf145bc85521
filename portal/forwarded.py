"""Whom the portal believes about forwarded headers: only the proxies named in FORWARDED_ALLOW_IPS.

gunicorn reads the same variable (gunicorn.conf.py) and sets the request's scheme from
`X-Forwarded-Proto` only when the peer is one of them; Django therefore never reads that header
itself (SECURE_PROXY_SSL_HEADER stays None), since gunicorn passes it through from anyone.

`client_ip` is the address sign-in lock-outs count per client (django-axes' AXES_CLIENT_IP_CALLABLE):
the peer itself, or, when the peer is a trusted proxy, the nearest address in `X-Forwarded-For` that
is not one — the client as the first trusted proxy saw it. Addresses a client wrote into the header
itself sit further left and are never used.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _networks(entries: tuple[str, ...]) -> tuple[bool, tuple[Network, ...]]:
    everyone = "*" in entries
    return everyone, tuple(ipaddress.ip_network(entry) for entry in entries if entry != "*")


def is_trusted_proxy(address: str) -> bool:
    everyone, networks = _networks(tuple(settings.FORWARDED_ALLOW_IPS))
    if everyone:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    if not remote or not is_trusted_proxy(remote):
        return remote
    chain = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    for address in reversed(chain):
        if not is_trusted_proxy(address):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:
                return remote  # a proxy should never write this; count it against the proxy
    return remote
