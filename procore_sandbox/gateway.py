"""The sandbox's API gateway: what Procore does before a REST request reaches an endpoint.

Every `/sandbox/rest/` request is counted by the rate limiter (procore_sandbox.limits.ratelimit), answered
429 when a window is full, then offered to the fault injector (procore_sandbox.limits.faults); every
answer carries the `X-Rate-Limit-*` headers. /sandbox/oauth and the control area pass through.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from procore_sandbox.limits import faults, ratelimit

REST_PREFIX = "/sandbox/rest/"


class GatewayMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not settings.PROCORE_SANDBOX:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
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
