"""Webhooks API v2.0 (procore-api.md §8.4): hooks, triggers, deliveries and the resource catalogue,
at company scope ``/rest/v2.0/companies/{company_id}/webhooks/...`` and project scope
``/rest/v2.0/companies/{company_id}/projects/{project_id}/webhooks/...``.

v2 conventions: ``{"data": ...}`` bodies, string ids, default page size 10 and at most 100,
the v2 error envelope, ``Procore-Company-Id`` required (400 without it). Only people who can see
the company (company scope) or the project (project scope) manage its hooks; others get 404.

Choices where §8.4 is silent [inferred]:

- Invalid or missing properties answer 400 ``INVALID_PROPERTY``/``MISSING_REQUIRED_PROPERTY``
  with ``source`` naming the property; ``payload_version`` is required on create.
- ``trigger_count`` appears in list answers only with ``include_trigger_count=true`` and always in
  single-hook answers. Trigger lists page like every v2 list.
- Bulk create takes a bare array of ``{resource_name, event_type}`` or ``{"triggers": [...]}``:
  201 ``{"data": [triggers]}`` when all succeed, otherwise 207
  ``{"data": {"succeeded": [...], "failed": [{code, message, trigger}]}}`` (even if none
  succeeded). Bulk delete takes a bare array of ids or ``{"trigger_ids"|"triggers": [...]}``;
  unknown ids are ``failed`` with ``NOT_FOUND``. More than 500 items → 413.
- Delivery ``status`` is ``enqueued`` (not yet sent, or waiting behind a failing delivery of the
  same endpoint), ``retrying`` (its last attempt failed; a retry is scheduled), ``delivered``,
  ``discarded`` (flushed after the discard window) or ``failed`` (still queued when its hook was
  disabled; it will not be sent). ``filter[status]=succeeded`` selects ``delivered`` (the filter
  and status enums disagree in the reference). ``filter[start]``/``filter[end]`` are inclusive
  days (or instants) on when the event was queued; ``sort`` takes ``created_at``, ``id`` or
  ``status``, ``-`` for descending, default ``-created_at``. Filters are also accepted as
  ``filters[...]``.
- ``GET /resources`` without ``payload_version`` lists every version's catalogue.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_date, parse_datetime

from procore_sandbox.core.views import company_for, visible_projects
from procore_sandbox.http import ApiError, api_view, json_list, paginate, timestamp
from procore_sandbox.models import AccessToken, Delivery, Hook, Trigger
from procore_sandbox.webhooks import deliveries as engine
from procore_sandbox.webhooks.common import (
    DuplicateTrigger,
    Scope,
    ValidationFailed,
    bulk_items,
    catalogue,
    create_hook,
    create_trigger,
    masked_headers,
    normalise_version,
    update_hook,
)

V2_DEFAULT_PER_PAGE = 10
V2_MAX_PER_PAGE = 100
STATUS_FILTERS = {
    "succeeded": "delivered",
    "delivered": "delivered",
    "failed": "failed",
    "discarded": "discarded",
    "enqueued": "enqueued",
    "retrying": "retrying",
}
SORTS = {"created_at", "id", "status"}


def as_api_error(error: ValidationFailed) -> ApiError:
    if error.status == 413:
        return ApiError(
            413, error.message, code="PAYLOAD_TOO_LARGE", reason_code="PAYLOAD_TOO_LARGE", source=error.field
        )
    return ApiError(
        error.status or 400,
        error.message,
        source=error.field,
        reason_code="MISSING_REQUIRED_PROPERTY" if error.missing else "INVALID_PROPERTY",
    )


def v2_view(methods: list[str]) -> Callable:
    """api_view plus the webhooks validation errors turned into the v2 envelope."""

    def decorator(view: Callable) -> Callable:
        @api_view(methods)
        @functools.wraps(view)
        def wrapper(request: HttpRequest, token: AccessToken, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, token, *args, **kwargs)
            except ValidationFailed as error:
                raise as_api_error(error) from None
            except DuplicateTrigger as error:
                raise ApiError(409, str(error), reason_code="DUPLICATE_TRIGGER") from None

        return wrapper

    return decorator


def json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        raise ApiError(400, "Request body must be JSON", reason_code="INVALID_PROPERTY") from None


def scope_for(request: HttpRequest, token: AccessToken, company_id: int, project_id: int | None) -> Scope:
    company = company_for(request, token, company_id)
    if project_id is not None and not visible_projects(token.person, company).filter(id=project_id).exists():
        raise ApiError(404, "Not Found")
    return Scope(company_id=company.id, project_id=project_id)


def hook_for(scope: Scope, hook_id: int) -> Hook:
    hook = scope.hooks().filter(pk=hook_id).first()
    if hook is None:
        raise ApiError(404, "Not Found")
    return hook


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


def hook_json(hook: Hook, trigger_count: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(hook.id),
        "status": hook.status,
        "payload_version": hook.payload_version,
        "namespace": hook.namespace,
        "destination_headers": masked_headers(hook),
        "destination_url": hook.destination_url,
        "company_id": None if hook.project_id else str(hook.company_id),
        "project_id": _id(hook.project_id),
        "created_at": timestamp(hook.created_at),
        "updated_at": timestamp(hook.updated_at),
        "hook_type": "classic",
    }
    if trigger_count is not None:
        data["trigger_count"] = trigger_count
    return data


def trigger_json(trigger: Trigger) -> dict[str, Any]:
    hook = trigger.hook
    return {
        "id": str(trigger.id),
        "webhook_hook_id": str(hook.id),
        "resource_name": trigger.resource_name,
        "event_type": trigger.event_type,
        "company_id": None if hook.project_id else str(hook.company_id),
        "project_id": _id(hook.project_id),
    }


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": str(delivery.id),
        "status": delivery.status,
        "created_at": timestamp(delivery.created_at),
        "payload": delivery.payload,
        "delivery_attempts": [
            {
                "id": str(attempt.id),
                "success": attempt.success,
                "response_status": attempt.response_status,
                "response_body": attempt.response_body,
                "response_headers": attempt.response_headers,
                "started_at": timestamp(attempt.started_at),
                "completed_at": timestamp(attempt.completed_at),
            }
            for attempt in delivery.attempts.all()
        ],
    }


# --- Hooks -----------------------------------------------------------------------------------


@v2_view(["GET", "POST"])
def hooks(request: HttpRequest, token: AccessToken, company_id: int, project_id: int | None = None) -> HttpResponse:
    scope = scope_for(request, token, company_id, project_id)
    if request.method == "POST":
        body = json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be an object", reason_code="INVALID_PROPERTY")
        hook = create_hook(scope, token.person, body, version_field="payload_version", default_version=None)
        return JsonResponse({"data": hook_json(hook, 0)}, status=201)
    found = scope.hooks()
    namespace = request.GET.get("namespace", "")
    if namespace:
        found = found.filter(namespace=namespace)
    elif project_id is None:
        raise ApiError(400, "namespace is required", reason_code="MISSING_REQUIRED_PROPERTY", source="namespace")
    if request.GET.get("payload_version"):
        found = found.filter(payload_version=normalise_version(request.GET["payload_version"]))
    with_count = request.GET.get("include_trigger_count", "").lower() in {"true", "1"}
    page, headers = paginate(
        request, found.order_by("id"), default_per_page=V2_DEFAULT_PER_PAGE, max_per_page=V2_MAX_PER_PAGE, clamp=False
    )
    data = [hook_json(h, h.triggers.count() if with_count else None) for h in page]
    return json_list({"data": data}, headers)


@v2_view(["GET", "PATCH", "DELETE"])
def hook_detail(
    request: HttpRequest, token: AccessToken, company_id: int, hook_id: int, project_id: int | None = None
) -> HttpResponse:
    hook = hook_for(scope_for(request, token, company_id, project_id), hook_id)
    if request.method == "DELETE":
        hook.delete()  # triggers and deliveries go with it
        return HttpResponse(status=204)
    if request.method == "PATCH":
        body = json_body(request)
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be an object", reason_code="INVALID_PROPERTY")
        hook = update_hook(hook, body, version_field="payload_version")
    return JsonResponse({"data": hook_json(hook, hook.triggers.count())})


# --- Triggers --------------------------------------------------------------------------------


@v2_view(["GET", "POST"])
def triggers(
    request: HttpRequest, token: AccessToken, company_id: int, hook_id: int, project_id: int | None = None
) -> HttpResponse:
    hook = hook_for(scope_for(request, token, company_id, project_id), hook_id)
    if request.method == "POST":
        trigger = create_trigger(hook, token.person, json_body(request))
        return JsonResponse({"data": trigger_json(trigger)}, status=201)
    page, headers = paginate(
        request,
        hook.triggers.select_related("hook").order_by("id"),
        default_per_page=V2_DEFAULT_PER_PAGE,
        max_per_page=V2_MAX_PER_PAGE,
        clamp=False,
    )
    return json_list({"data": [trigger_json(t) for t in page]}, headers)


@v2_view(["GET", "DELETE"])
def trigger_detail(
    request: HttpRequest,
    token: AccessToken,
    company_id: int,
    hook_id: int,
    trigger_id: int,
    project_id: int | None = None,
) -> HttpResponse:
    hook = hook_for(scope_for(request, token, company_id, project_id), hook_id)
    trigger = hook.triggers.select_related("hook").filter(pk=trigger_id).first()
    if trigger is None:
        raise ApiError(404, "Not Found")
    if request.method == "DELETE":
        trigger.delete()
        return HttpResponse(status=204)
    return JsonResponse({"data": trigger_json(trigger)})


def _failure(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, **extra}


@v2_view(["POST", "DELETE"])
def triggers_bulk(
    request: HttpRequest, token: AccessToken, company_id: int, hook_id: int, project_id: int | None = None
) -> HttpResponse:
    hook = hook_for(scope_for(request, token, company_id, project_id), hook_id)
    body = json_body(request)
    succeeded: list[Any] = []
    failed: list[dict[str, Any]] = []
    if request.method == "POST":
        for item in bulk_items(body, "triggers"):
            try:
                succeeded.append(trigger_json(create_trigger(hook, token.person, item)))
            except ValidationFailed as error:
                failed.append(_failure("INVALID_PROPERTY", error.message, trigger=item))
            except DuplicateTrigger as error:
                failed.append(_failure("DUPLICATE_TRIGGER", str(error), trigger=item))
        if not failed:
            return JsonResponse({"data": succeeded}, status=201)
        return JsonResponse({"data": {"succeeded": succeeded, "failed": failed}}, status=207)
    key = "trigger_ids" if isinstance(body, dict) and "trigger_ids" in body else "triggers"
    for raw in bulk_items(body, key):
        trigger_id = str(raw.get("id") if isinstance(raw, dict) else raw)
        deleted = hook.triggers.filter(pk=int(trigger_id)).delete()[0] if trigger_id.isdigit() else 0
        if deleted:
            succeeded.append(trigger_id)
        else:
            failed.append(_failure("NOT_FOUND", f"Trigger {trigger_id} not found", id=trigger_id))
    data: dict[str, Any] = {"succeeded": succeeded}
    if failed:
        data["failed"] = failed
    return JsonResponse({"data": data}, status=207 if failed else 200)


# --- Deliveries and resources ------------------------------------------------------------------


def _filter(request: HttpRequest, name: str) -> str:
    return request.GET.get(f"filter[{name}]") or request.GET.get(f"filters[{name}]") or ""


def _instant(value: str, name: str, *, end: bool) -> datetime:
    # A bare day first: parse_datetime would read "2026-01-31" as that day's midnight.
    try:
        day = parse_date(value) if len(value) == 10 else None
        moment = None if day else parse_datetime(value)
    except ValueError:
        day = moment = None
    if day is None:
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        raise ApiError(
            400, f"filter[{name}] must be a date (yyyy-mm-dd)", reason_code="INVALID_PROPERTY", source=f"filter[{name}]"
        )
    return datetime.combine(day, time.max if end else time.min, tzinfo=UTC)


def filter_deliveries(request: HttpRequest, found: Any) -> Any:
    if status := _filter(request, "status"):
        wanted = [s.strip() for s in status.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in STATUS_FILTERS]
        if unknown:
            raise ApiError(
                400,
                "filter[status] must be one of succeeded, failed, discarded, enqueued, retrying",
                reason_code="INVALID_PROPERTY",
                source="filter[status]",
            )
        found = found.filter(status__in=[STATUS_FILTERS[s] for s in wanted])
    if resource_name := _filter(request, "resource_name"):
        found = found.filter(resource_name=resource_name)
    if event_type := _filter(request, "event_type"):
        found = found.filter(event_type__iexact=event_type)
    if start := _filter(request, "start"):
        found = found.filter(created_at__gte=_instant(start, "start", end=False))
    if end := _filter(request, "end"):
        found = found.filter(created_at__lte=_instant(end, "end", end=True))
    sort = request.GET.get("sort", "-created_at")
    if sort.lstrip("-") not in SORTS:
        raise ApiError(400, "sort must be created_at, id or status", reason_code="INVALID_PROPERTY", source="sort")
    return found.order_by(sort, "-id" if sort.startswith("-") else "id")


@v2_view(["GET"])
def deliveries(
    request: HttpRequest, token: AccessToken, company_id: int, hook_id: int, project_id: int | None = None
) -> HttpResponse:
    hook = hook_for(scope_for(request, token, company_id, project_id), hook_id)
    engine.wake()  # queued work left by a restarted server resumes when someone looks
    found = filter_deliveries(request, hook.deliveries.prefetch_related("attempts"))
    page, headers = paginate(
        request, found, default_per_page=V2_DEFAULT_PER_PAGE, max_per_page=V2_MAX_PER_PAGE, clamp=False
    )
    return json_list({"data": [delivery_json(d) for d in page]}, headers)


@v2_view(["GET"])
def resources(request: HttpRequest, token: AccessToken, company_id: int, project_id: int | None = None) -> HttpResponse:
    scope_for(request, token, company_id, project_id)
    entries = catalogue(request.GET.get("payload_version") or None, project_scope=project_id is not None)
    return JsonResponse({"data": entries})
