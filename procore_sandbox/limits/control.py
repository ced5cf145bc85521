"""The sandbox's control area, `/sandbox/_control/` — not a Procore path.

Lets a test or benchmark in another process change the rate limits, read the sandbox's own
counters and switch faults on or off:

- `GET /sandbox/_control/rate_limits` → `{"hourly", "spike", "windows": [{kind, app_key, company_key,
  start, seconds, accepted, rejected}]}`; `PUT` (JSON `{"hourly"?, "spike"?}`) sets the limits and
  clears the counters; `DELETE` restores the settings' limits and clears the counters.
- `GET /sandbox/_control/faults` lists faults; `POST` (JSON: kind, method, path, count,
  probability, retry_after, delay — as faults.inject) adds one; `DELETE` clears them all.

Protection: it answers only clients on the loopback interface (REMOTE_ADDR 127.0.0.1 or ::1),
and when settings.SANDBOX_CONTROL_TOKEN is set, only requests carrying it in the
`X-Sandbox-Control-Token` header; anything else gets the JSON 404 of an unknown path, as if the
area did not exist. The whole sandbox, this area included, is absent when PROCORE_SANDBOX is off.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from procore_sandbox.http import not_found
from procore_sandbox.limits import faults, ratelimit
from procore_sandbox.models import Fault, RateWindow

LOOPBACK = {"127.0.0.1", "::1", "::ffff:127.0.0.1"}


def control_view(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    @csrf_exempt
    def wrapper(request: HttpRequest) -> HttpResponse:
        if request.META.get("REMOTE_ADDR") not in LOOPBACK:
            return not_found(request)
        expected = settings.SANDBOX_CONTROL_TOKEN
        given = request.headers.get("X-Sandbox-Control-Token", "")
        if expected and not hmac.compare_digest(expected.encode(), given.encode()):
            return not_found(request)
        return view(request)

    wrapper.__name__ = view.__name__
    return wrapper


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


@control_view
def rate_limits(request: HttpRequest) -> HttpResponse:
    if request.method == "PUT":
        try:
            body = _body(request)
            limits = ratelimit.configure(hourly=_int_or_none(body.get("hourly")), spike=_int_or_none(body.get("spike")))
        except (TypeError, ValueError) as exc:
            return JsonResponse({"errors": str(exc)}, status=400)
    elif request.method == "DELETE":
        ratelimit.restore_defaults()
        limits = ratelimit.current_limits()
    elif request.method == "GET":
        limits = ratelimit.current_limits()
    else:
        return JsonResponse({"errors": "Method Not Allowed"}, status=405)
    windows = list(
        RateWindow.objects.order_by("kind", "start", "app_key", "company_key").values(
            "kind", "app_key", "company_key", "start", "seconds", "accepted", "rejected"
        )
    )
    return JsonResponse({"hourly": limits.hourly, "spike": limits.spike, "windows": windows})


def _int_or_none(value: Any) -> int | None:
    if value is None:
        return None
    number = int(value)
    if number < 1:
        raise ValueError("limits must be positive")
    return number


@control_view
def fault_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            body = _body(request)
            fault = faults.inject(
                str(body.get("kind", "")),
                method=str(body.get("method", "")),
                path=str(body.get("path", "")),
                count=_int_or_none(body.get("count")),
                probability=float(body.get("probability", 1.0)),
                retry_after=int(body.get("retry_after", 1)),
                delay=float(body.get("delay", 0.0)),
            )
        except (TypeError, ValueError, re.error) as exc:
            return JsonResponse({"errors": str(exc)}, status=400)
        return JsonResponse(faults.as_json(fault), status=201)
    if request.method == "DELETE":
        faults.clear()
        return HttpResponse(status=204)
    if request.method == "GET":
        return JsonResponse([faults.as_json(f) for f in Fault.objects.all()], safe=False)
    return JsonResponse({"errors": "Method Not Allowed"}, status=405)


urlpatterns = [
    path("_control/rate_limits", rate_limits, name="control_rate_limits"),
    path("_control/faults", fault_list, name="control_faults"),
]
