"""Webhooks API v1.0 (procore-api.md §8.3; deprecated in the reference, still used by the guides).

Paths ``/rest/v1.0/webhooks/hooks...`` with ``company_id`` or ``project_id`` as a query parameter
or in the JSON body; unwrapped JSON, integer ids, v1 error bodies. The hooks are the same rows the
v2.0 API manages. The Procore-Company-Id header follows the v1 rules (`api.require_company_context`).

Choices where §8.3 is silent [inferred]:

- Validation failures answer 422 ``{"errors": {"<field>": ["<message>"]}}``; a missing scope
  answers 400 ``{"errors": "company_id or project_id is required"}``; a duplicate trigger 422.
- ``api_version`` defaults to ``v2.0`` on create (the guides' hooks are v2). Answers show the
  ``vN.0`` spelling. Trigger ``event_type`` is answered in upper case (``CREATE``) as the reference
  shows; ``resource_id`` is null (triggers are per resource type here).
- ``DELETE`` of a hook or trigger answers 200 with ``{}``.
- Bulk bodies: ``{"company_id"|"project_id", "api_version", "triggers": [{resource_name, event_type}]}``
  to create and ``{"company_id"|"project_id", "triggers": [<id>, ...]}`` to delete; 200
  ``{"success": [...]}`` or 207 ``{"success": [...], "failed": [{code, message, trigger, errors}]}``;
  more than 500 → 413.
- Deliveries: one row per delivery *attempt* (``id`` = attempt id, ``event_id``, ``event`` = the
  payload sent). ``outcome``: ``ok`` (2xx), ``retried`` (failed; the event was or will be retried),
  ``failed`` (failed; its hook was disabled so it will not be retried), ``discarded`` (the last
  attempt of an event flushed after the discard window). Events that never got an attempt are not
  listed. ``filters[status]`` (or ``filter[status]``): ``any`` (default), ``successful``,
  ``discarded``, ``failing`` (retried or failed). Paging with ``page_size`` (default 100, at most
  1,000) and ``page_start`` (the last id of the previous page), ascending ids.
- ``GET /rest/v1.0/webhooks/resources`` answers
  ``[{"name", "api_version", "product_category", "tools": [..], "except": [..]}]``, where ``except``
  lists the classic event types the resource does not offer; ``/resources/api_versions`` answers
  ``["v2.0", "v3.0", "v4.0"]``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from procore_sandbox.core.views import V1_DEFAULT_PER_PAGE, V1_MAX_PER_PAGE, company_for, visible_projects
from procore_sandbox.http import ApiError, api_view, json_list, paginate, require_company_context, timestamp
from procore_sandbox.models import AccessToken, Delivery, DeliveryAttempt, Hook, Project, Trigger
from procore_sandbox.models.webhooks import PAYLOAD_VERSIONS
from procore_sandbox.webhooks import deliveries as engine
from procore_sandbox.webhooks.api_v2 import json_body
from procore_sandbox.webhooks.common import (
    CLASSIC_ACTIONS,
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

MAX_PAGE_SIZE = 1000


class _Invalid(Exception):
    def __init__(self, response: JsonResponse):
        self.response = response


def v1_view(methods: list[str]) -> Callable:
    def decorator(view: Callable) -> Callable:
        @api_view(methods)
        @functools.wraps(view)
        def wrapper(request: HttpRequest, token: AccessToken, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                return view(request, token, *args, **kwargs)
            except ValidationFailed as error:
                if error.status == 413:
                    raise ApiError(413, error.message) from None
                return JsonResponse({"errors": {error.field: [error.message]}}, status=422)
            except DuplicateTrigger as error:
                return JsonResponse({"errors": {"trigger": [str(error)]}}, status=422)

        return wrapper

    return decorator


def _int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"{name} must be an integer") from None


def scope_for(request: HttpRequest, token: AccessToken, body: Any = None) -> Scope:
    source = body if isinstance(body, dict) else {}
    project_id = _int(source.get("project_id", request.GET.get("project_id")), "project_id")
    company_id = _int(source.get("company_id", request.GET.get("company_id")), "company_id")
    if project_id is not None:
        project = Project.objects.select_related("company").filter(pk=project_id).first()
        if project is None or not visible_projects(token.person, project.company).filter(pk=project_id).exists():
            raise ApiError(404, "Not Found")
        require_company_context(request, project.company)
        return Scope(company_id=project.company_id, project_id=project_id)
    if company_id is None:
        raise ApiError(400, "company_id or project_id is required")
    return Scope(company_id=company_for(request, token, company_id).id, project_id=None)


def hook_for(scope: Scope, hook_id: int) -> Hook:
    hook = scope.hooks().filter(pk=hook_id).first()
    if hook is None:
        raise ApiError(404, "Not Found")
    return hook


def hook_json(hook: Hook) -> dict[str, Any]:
    return {
        "id": hook.id,
        "api_version": hook.payload_version,
        "destination_headers": masked_headers(hook),
        "destination_url": hook.destination_url,
        "owned_by_company_id": None if hook.project_id else hook.company_id,
        "owned_by_project_id": hook.project_id,
        "owned_by_user_id": hook.owned_by_id,
        "namespace": hook.namespace,
    }


def trigger_json(trigger: Trigger) -> dict[str, Any]:
    hook = trigger.hook
    return {
        "id": trigger.id,
        "webhook_hook_id": hook.id,
        "resource_name": trigger.resource_name,
        "resource_id": None,
        "event_type": trigger.event_type.upper(),
        "company_id": None if hook.project_id else hook.company_id,
        "project_id": hook.project_id,
        "user_id": trigger.created_by_id,
    }


def _body(request: HttpRequest) -> dict[str, Any]:
    body = json_body(request)
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body


@v1_view(["GET", "POST"])
def hooks(request: HttpRequest, token: AccessToken) -> HttpResponse:
    if request.method == "POST":
        body = _body(request)
        scope = scope_for(request, token, body)
        data = hook_body if isinstance(hook_body := body.get("hook"), dict) else {}
        hook = create_hook(scope, token.person, data, version_field="api_version", default_version="v2.0")
        return JsonResponse(hook_json(hook), status=201)
    found = scope_for(request, token).hooks()
    if namespace := request.GET.get("namespace"):
        found = found.filter(namespace=namespace)
    if api_version := request.GET.get("api_version"):
        found = found.filter(payload_version=normalise_version(api_version, "api_version"))
    page, headers = paginate(
        request, found.order_by("id"), default_per_page=V1_DEFAULT_PER_PAGE, max_per_page=V1_MAX_PER_PAGE, clamp=True
    )
    return json_list([hook_json(h) for h in page], headers)


@v1_view(["GET", "PATCH", "DELETE"])
def hook_detail(request: HttpRequest, token: AccessToken, hook_id: int) -> HttpResponse:
    body = _body(request) if request.method == "PATCH" else None
    hook = hook_for(scope_for(request, token, body), hook_id)
    if request.method == "DELETE":
        hook.delete()
        return JsonResponse({})
    if body is not None:
        data = hook_body if isinstance(hook_body := body.get("hook"), dict) else {}
        hook = update_hook(hook, data, version_field="api_version")
    return JsonResponse(hook_json(hook))


@v1_view(["GET", "POST"])
def triggers(request: HttpRequest, token: AccessToken, hook_id: int) -> HttpResponse:
    body = _body(request) if request.method == "POST" else None
    hook = hook_for(scope_for(request, token, body), hook_id)
    if body is not None:
        trigger = create_trigger(hook, token.person, body.get("trigger"))
        return JsonResponse(trigger_json(trigger), status=201)
    page, headers = paginate(
        request,
        hook.triggers.select_related("hook").order_by("id"),
        default_per_page=V1_DEFAULT_PER_PAGE,
        max_per_page=V1_MAX_PER_PAGE,
        clamp=True,
    )
    return json_list([trigger_json(t) for t in page], headers)


@v1_view(["GET", "DELETE"])
def trigger_detail(request: HttpRequest, token: AccessToken, hook_id: int, trigger_id: int) -> HttpResponse:
    hook = hook_for(scope_for(request, token), hook_id)
    trigger = hook.triggers.select_related("hook").filter(pk=trigger_id).first()
    if trigger is None:
        raise ApiError(404, "Not Found")
    if request.method == "DELETE":
        trigger.delete()
        return JsonResponse({})
    return JsonResponse(trigger_json(trigger))


@v1_view(["POST", "DELETE"])
def triggers_bulk(request: HttpRequest, token: AccessToken, hook_id: int) -> HttpResponse:
    body = _body(request)
    hook = hook_for(scope_for(request, token, body), hook_id)
    success: list[Any] = []
    failed: list[dict[str, Any]] = []
    for item in bulk_items(body, "triggers"):
        if request.method == "POST":
            try:
                success.append(trigger_json(create_trigger(hook, token.person, item)))
            except ValidationFailed as error:
                failed.append(
                    {"code": 422, "message": error.message, "trigger": item, "errors": {error.field: [error.message]}}
                )
            except DuplicateTrigger as error:
                failed.append(
                    {"code": 422, "message": str(error), "trigger": item, "errors": {"trigger": [str(error)]}}
                )
            continue
        trigger_id = item.get("id") if isinstance(item, dict) else item
        trigger = (
            hook.triggers.select_related("hook").filter(pk=int(str(trigger_id))).first()
            if str(trigger_id).isdigit()
            else None
        )
        if trigger is None:
            failed.append({"code": 404, "message": "Not Found", "trigger": item, "errors": {"id": ["not found"]}})
            continue
        success.append(trigger_json(trigger))
        trigger.delete()
    answer: dict[str, Any] = {"success": success}
    if failed:
        answer["failed"] = failed
    return JsonResponse(answer, status=207 if failed else 200)


# --- Deliveries ------------------------------------------------------------------------------


def outcome(attempt: DeliveryAttempt) -> str:
    if attempt.success:
        return "ok"
    delivery = attempt.delivery
    last = attempt.number == delivery.attempt_count
    if last and delivery.status == Delivery.Status.DISCARDED:
        return "discarded"
    if last and delivery.status == Delivery.Status.FAILED:
        return "failed"
    return "retried"


def attempt_json(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {
        "id": attempt.id,
        "event_id": attempt.delivery.event_id,
        "event": attempt.delivery.payload,
        "outcome": outcome(attempt),
        "response_status": attempt.response_status,
        "response_headers": attempt.response_headers,
        "response_body": attempt.response_body,
        "response_error": attempt.response_error or None,
        "started_at": timestamp(attempt.started_at),
        "completed_at": timestamp(attempt.completed_at),
    }


@v1_view(["GET"])
def deliveries(request: HttpRequest, token: AccessToken, hook_id: int) -> HttpResponse:
    hook = hook_for(scope_for(request, token), hook_id)
    engine.wake()  # queued work left by a restarted server resumes when someone looks
    attempts = DeliveryAttempt.objects.filter(delivery__hook=hook).select_related("delivery").order_by("id")
    status = request.GET.get("filters[status]") or request.GET.get("filter[status]") or "any"
    if status not in {"any", "successful", "discarded", "failing"}:
        raise ApiError(400, "filters[status] must be any, successful, discarded or failing")
    page_start = _int(request.GET.get("page_start"), "page_start")
    page_size = min(_int(request.GET.get("page_size"), "page_size") or 100, MAX_PAGE_SIZE)
    if page_start is not None:
        attempts = attempts.filter(id__gt=page_start)
    wanted = {"successful": {"ok"}, "discarded": {"discarded"}, "failing": {"retried", "failed"}}.get(status)
    rows: list[dict[str, Any]] = []
    # Outcomes depend on the delivery's later state, so filter while reading, in id order.
    for attempt in attempts.iterator(chunk_size=500):
        row = attempt_json(attempt)
        if wanted is None or row["outcome"] in wanted:
            rows.append(row)
            if len(rows) >= page_size:
                break
    return JsonResponse(rows, safe=False)


# --- Resources -------------------------------------------------------------------------------


@v1_view(["GET"])
def resources(request: HttpRequest, token: AccessToken) -> HttpResponse:
    scope = scope_for(request, token)
    version = request.GET.get("api_version") or None
    entries = catalogue(
        normalise_version(version, "api_version") if version else None, project_scope=scope.project_id is not None
    )
    return JsonResponse(
        [
            {
                "name": e["name"],
                "api_version": e["payload_version"],
                "product_category": e["category"],
                "tools": [e["tool"]],
                "except": [a for a in CLASSIC_ACTIONS if a not in e["actions"]],
            }
            for e in entries
        ],
        safe=False,
    )


@v1_view(["GET"])
def resource_api_versions(request: HttpRequest, token: AccessToken) -> HttpResponse:
    scope_for(request, token)
    return JsonResponse(list(PAYLOAD_VERSIONS), safe=False)
