"""What every sandbox REST endpoint shares: bearer authentication, the Procore-Company-Id
header, v1/v2 error bodies and Link/Total/Per-Page pagination (procore-api.md §3).

Choices where Procore's docs are silent (procore-api.md marks them [gap]/[inferred]):

- v1 error bodies are ``{"errors": "<text>"}``; v2 uses the standard envelope (§3.6).
- A missing Procore-Company-Id header answers 400 ``Missing Procore-Company-Id header!`` on v2
  paths for every company. On v1 paths Procore still serves companies of the default region
  without it, and answers 404 for a company "in another region" (Company.other_region).
- A 401 on v1 says "The access token is invalid" for expired and revoked tokens alike.
- v1 lists default to 100 items a page and clamp ``per_page`` at 1,000; v2 lists default to 10
  and refuse more than 100 with 400 INVALID_PROPERTY.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, overload
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from procore_sandbox.models import AccessToken, Company

INVALID_TOKEN_MESSAGE = "The access token is invalid"
MISSING_COMPANY_MESSAGE = "Missing Procore-Company-Id header!"


class ApiError(Exception):
    """Raised inside a view to answer with a Procore error body.

    v2: `summary` is the envelope's top-level message (e.g. "Validation errors detected"; it
    defaults to `message`), and `details` replaces the single detail built from
    reason_code/message/source when one response reports several problems or extra keys.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str = "",
        reason_code: str = "",
        source: str = "",
        summary: str = "",
        details: list[dict[str, Any]] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.reason_code = reason_code
        self.source = source
        self.summary = summary
        self.details = details


V2_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    422: "VALIDATION_ERROR",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def is_v2(request: HttpRequest) -> bool:
    return "/rest/v2." in request.path


def error_response(request: HttpRequest, error: ApiError) -> HttpResponse:
    if is_v2(request):
        detail: dict[str, Any] = {
            "reason_code": error.reason_code or V2_CODES.get(error.status, "ERROR"),
            "message": error.message,
        }
        if error.source:
            detail["source"] = error.source
        body: dict[str, Any] = {
            "error": {
                "code": error.code or V2_CODES.get(error.status, "ERROR"),
                "message": error.summary or error.message,
                "details": error.details if error.details is not None else [detail],
            }
        }
    else:
        body = {"errors": error.message}
    response = JsonResponse(body, status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="Procore", error="invalid_token"'
    return response


@csrf_exempt
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any path under the sandbox's base that no endpoint serves: a JSON 404 in the path's version's
    error shape, as Procore's API answers JSON everywhere (§3.1) — never Django's HTML page, which a
    client parsing the body before the status would choke on."""
    return error_response(request, ApiError(404, "Not Found"))


def bearer_token(request: HttpRequest) -> AccessToken:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, INVALID_TOKEN_MESSAGE, reason_code="INVALID_TOKEN")
    token = AccessToken.objects.select_related("person", "app").filter(access_token=value.strip()).first()
    if token is None or not token.is_active:
        raise ApiError(401, INVALID_TOKEN_MESSAGE, reason_code="INVALID_TOKEN")
    return token


def company_header(request: HttpRequest) -> int | None:
    raw = request.headers.get("Procore-Company-Id", "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(
            400, "Procore-Company-Id must be a company id", reason_code="INVALID_PROPERTY", source="Procore-Company-Id"
        ) from None


def require_company_context(request: HttpRequest, company: Company) -> None:
    """Apply Procore's Multiple Procore Regions rule for a request about `company`."""
    header = company_header(request)
    if header is None:
        if is_v2(request):
            raise ApiError(
                400, MISSING_COMPANY_MESSAGE, reason_code="MISSING_REQUIRED_PROPERTY", source="Procore-Company-Id"
            )
        if company.other_region:
            raise ApiError(404, "Not Found")
        return
    if header != company.id:
        # The header routes the request to a company's region; another company's id there
        # finds nothing.
        raise ApiError(404, "Not Found")


def api_view(methods: Sequence[str]) -> Callable:
    """Decorate a sandbox REST view: method check, bearer auth, ApiError → error body.

    The view receives ``(request, token, **kwargs)``.
    """

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise ApiError(405, "Method Not Allowed")
                token = bearer_token(request)
                return view(request, token, *args, **kwargs)
            except ApiError as error:
                return error_response(request, error)

        return wrapper

    return decorator


@overload
def int_param(request: HttpRequest, name: str, *, required: Literal[True]) -> int: ...


@overload
def int_param(request: HttpRequest, name: str, *, required: bool = False) -> int | None: ...


def int_param(request: HttpRequest, name: str, *, required: bool = False) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        if required:
            raise ApiError(400, f"{name} is required", reason_code="MISSING_REQUIRED_PROPERTY", source=name)
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer", reason_code="INVALID_PROPERTY", source=name) from None


def _page_url(request: HttpRequest, page: int, per_page: int) -> str:
    params = request.GET.copy()
    params["page"] = str(page)
    params["per_page"] = str(per_page)
    return request.build_absolute_uri(request.path) + "?" + urlencode(params, doseq=True)


def paginate(
    request: HttpRequest,
    items: Sequence[Any] | QuerySet[Any, Any],
    *,
    default_per_page: int,
    max_per_page: int,
    clamp: bool,
) -> tuple[list[Any], dict[str, str]]:
    """Slice `items` for the requested page; return the slice and the pagination headers.

    `items` may be a QuerySet: only the page is fetched.
    """
    try:
        page = int(request.GET.get("page") or 1)
        per_page = int(request.GET.get("per_page") or default_per_page)
    except ValueError:
        raise ApiError(400, "page and per_page must be integers", reason_code="INVALID_PROPERTY") from None
    if page < 1 or per_page < 1:
        raise ApiError(400, "page and per_page must be positive", reason_code="INVALID_PROPERTY")
    if per_page > max_per_page:
        if not clamp:
            raise ApiError(
                400, f"Per page must not exceed {max_per_page}", reason_code="INVALID_PROPERTY", source="per_page"
            )
        per_page = max_per_page
    total = items.count() if isinstance(items, QuerySet) else len(items)
    last = max(1, -(-total // per_page))
    start = (page - 1) * per_page
    chunk = list(items[start : start + per_page])

    links = []
    if page > 1:
        links.append(f'<{_page_url(request, 1, per_page)}>; rel="first"')
        if page > 2:
            links.append(f'<{_page_url(request, page - 1, per_page)}>; rel="prev"')
    if page < last:
        links.append(f'<{_page_url(request, last, per_page)}>; rel="last"')
        links.append(f'<{_page_url(request, page + 1, per_page)}>; rel="next"')
    headers = {"Total": str(total), "Per-Page": str(per_page), "Link": ", ".join(links)}
    return chunk, headers


def json_list(data: Any, headers: dict[str, str], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, safe=False, status=status)
    for name, value in headers.items():
        # PDM (v2) lists always carry a Link header, empty when everything fits on one page.
        if value or (name == "Link" and is_v2_payload(data)):
            response[name] = value
    return response


def is_v2_payload(data: Any) -> bool:
    return isinstance(data, dict) and "data" in data


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
