"""``/sandbox/_control/pdm/switches`` — not a Procore path: set the PDM failure switches from
another process (names and values in pdm_switches). Protected as the rest of the control area
(loopback only, optional control token: limits.control.control_view).

``GET`` lists the switches; ``POST {"name": ..., "value": ...}`` sets one; ``DELETE`` clears all
(``?name=`` clears one).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse

from procore_sandbox.limits.control import control_view
from procore_sandbox.models import PdmSwitch
from procore_sandbox.pdm import switches as pdm_switches


@control_view
def switches(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or "value" not in body:
            return JsonResponse({"errors": 'the body must be {"name": ..., "value": ...}'}, status=400)
        if body["name"] == "workflow_conflict":
            # Data rather than a switch: {"container_id": ...} starts a workflow in that container.
            try:
                pdm_switches.force_workflow_conflict(str((body["value"] or {}).get("container_id")))
            except (AttributeError, ValueError) as exc:
                return JsonResponse({"errors": str(exc)}, status=400)
        else:
            pdm_switches.set_switch(body["name"], body["value"])
        return JsonResponse({"name": body["name"], "value": body["value"]}, status=201)
    if request.method == "DELETE":
        pdm_switches.clear(request.GET.get("name") or None)
        return HttpResponse(status=204)
    if request.method == "GET":
        return JsonResponse({row.name: row.value for row in PdmSwitch.objects.all()})
    return JsonResponse({"errors": "Method Not Allowed"}, status=405)
