"""The sandbox's API gateway: what Procore does before a REST request reaches an endpoint.

First, who may talk to the sandbox at all: only clients in SANDBOX_ALLOWED_CLIENTS (loopback by
default), judged by the connection's own address (REMOTE_ADDR, never a forwarded header). Anyone
else gets 403 on every /sandbox/ path: the sandbox signs anyone in with a printed password and
issues tokens, so a demo reachable from a network must be opened to it on purpose.

Every `/sandbox/rest/` request is counted by the rate limiter (procore_sandbox.limits.ratelimit), answered
429 when a window is full, then offered to the fault injector (procore_sandbox.limits.faults); every
answer carries the `X-Rate-Limit-*` headers. /sandbox/oauth and the control area pass through.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse, JsonResponse

from procore_sandbox.limits import faults, ratelimit

PREFIX = "/sandbox/"
REST_PREFIX = "/sandbox/rest/"


@cache
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries if entry != "*")


def client_allowed(address: str) -> bool:
    entries = tuple(settings.SANDBOX_ALLOWED_CLIENTS)
    if "*" in entries:
        return True
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return any(ip.version == network.version and ip in network for network in _networks(entries))


class GatewayMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.PROCORE_SANDBOX:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(PREFIX) and not client_allowed(request.META.get("REMOTE_ADDR", "")):
            return JsonResponse(
                {"errors": "The Procore sandbox answers only the clients in SANDBOX_ALLOWED_CLIENTS (loopback)."},
                status=403,
            )
        if not request.path.startswith(REST_PREFIX):
            return self.get_response(request)
        app_key, company_key = ratelimit.budget_key(request)
        decision = ratelimit.admit(app_key, company_key)
        headers = decision.headers()
        if not decision.accepted:
            response = HttpResponse(ratelimit.EXCEEDED_MESSAGE, status=429, content_type="text/plain")
        else:
            response = faults.fault_answer(request, headers) or self.get_response(request)
        for name, value in headers.items():
            if name not in response:
                response[name] = value
        return response
