"""The grid's JSON endpoints: read a batch's rows, write cell changes in bulk, keep the column choice."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.http import AuthenticatedRequest
from portal.accounts.models import User

from .access import get_batch_for_user
from .grid import GridContext, grid_columns, grid_for, grid_payload_json
from .grid_changes import BadRequest, apply_changes, read_changes
from .grid_layout import BadLayout, load_layout, save_layout
from .models import Batch, MetadataTemplate
from .services import BatchLocked

# A pasted block of 20,000 cells as JSON stays well under this; anything larger is not the grid.
MAX_BODY = 8 * 1024 * 1024
# Rows the batch page carries itself: enough to fill a tall window, so the grid is drawn and can be
# worked in at once while grid.json (asked for as the page loads) brings the rest of a large batch.
FIRST_ROWS = 100


# The rows are compressed: 10,000 of them are 8 MB of JSON but 130 kB gzipped (their field ids and
# messages repeat), which is what a person's connection carries. The answer holds no secret.
@gzip_page
@login_required
@require_GET
def grid_data(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    """Every row of the batch, or with ``?ids=1,2,3`` only those documents' rows (rows still pending)."""
    batch = get_batch_for_user(request.user, batch_id)
    ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.strip().isdigit()][:1000] or None
    return HttpResponse(
        grid_payload_json(grid_for(batch), _extra(request.user, batch), ids), content_type="application/json"
    )


def first_rows(user: User, grid: GridContext, total: int) -> dict[str, Any]:
    """What the batch page needs for its grid: the grid's answer with the first rows only (JSON text,
    escaped into an attribute by the template), and whether grid.json must bring more."""
    extra = {**_extra(user, grid.batch), "limit": FIRST_ROWS}
    return {"grid_first": grid_payload_json(grid, extra, limit=FIRST_ROWS), "grid_more": total >= FIRST_ROWS}


def _extra(user: User, batch: Batch) -> dict[str, Any]:
    return {"layout": {"columns": load_layout(user, batch)}, "templates": _templates(batch)}


def _templates(batch: Batch) -> list[dict[str, Any]]:
    if batch.target == Batch.Target.FOLDER:
        return []
    return [
        {"id": t.pk, "name": t.name, "values": t.values}
        for t in MetadataTemplate.objects.filter(project=batch.project).only("id", "name", "values")
    ]


def _json_body(request: HttpRequest) -> Any:
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        raise BadRequest("Too many changes at once; change fewer cells per step.")
    try:
        return json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest("The request is not JSON.") from exc


@login_required
@require_POST
def grid_changes(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    try:
        changes = read_changes(_json_body(request))
        outcome = apply_changes(grid_for(batch), request.user, changes)
    except BadRequest as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except BatchLocked as exc:
        return JsonResponse({"error": str(exc)}, status=409)
    return HttpResponse(outcome.as_json(), content_type="application/json")


@login_required
@require_POST
def grid_layout(request: AuthenticatedRequest, batch_id: int) -> JsonResponse:
    batch = get_batch_for_user(request.user, batch_id)
    try:
        body = _json_body(request)
        known = {c.id for c in grid_columns(grid_for(batch))}
        columns = save_layout(request.user, batch, body.get("columns") if isinstance(body, dict) else None, known)
    except (BadRequest, BadLayout) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"columns": columns})
