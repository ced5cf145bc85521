"""PDM project configuration, read-only as in Procore: upload requirements, fields, field values
(procore-api.md §7.3–§7.5). The project directory used for user-type fields (§4) is
procore_sandbox.core.directory.

Choices ([inferred]): upload requirements are paginated like every v2 list (default 10);
``keyword`` matches code or label, case-insensitively.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse

from procore_sandbox.http import ApiError, api_view
from procore_sandbox.models import AccessToken, PdmField, PdmProject, PdmValue, UploadRequirement
from procore_sandbox.pdm.common import USER_VARIANTS, field_json, iso_ms, pdm_project, v2_list, value_json


def _short_field(field: PdmField) -> dict[str, Any]:
    return {"id": field.id, "name": field.name, "label": field.label, "type": field.type}


def requirement_json(
    rule: UploadRequirement, pdm: PdmProject, fields: dict[str, PdmField], values: dict[str, PdmValue]
) -> dict[str, Any]:
    naming = None
    if pdm.has_naming_standard:
        naming = {
            "id": pdm.naming_standard_id,
            "name": pdm.naming_standard_name,
            "fields": [_short_field(fields[n]) for n in pdm.naming_standard_fields if n in fields],
            "updated_at": iso_ms(pdm.naming_standard_updated_at),
        }
    qualifiers = []
    for qualifier in rule.qualifiers:
        field = fields.get(qualifier["field"])
        if field is None:
            continue
        acceptable = [values[v] for v in qualifier["values"] if v in values]
        qualifiers.append(
            {
                "type": field.type,
                "field": {"id": field.id, "name": field.name, "label": field.label},
                "acceptable_values": [
                    {"id": v.id, "code": v.code, "label": v.label, "active": v.active} for v in acceptable
                ],
            }
        )
    return {
        "id": rule.id,
        "updated_at": iso_ms(rule.updated_at),
        "naming_standard": naming,
        "additional_required_fields": [field_json(fields[n]) for n in rule.additional_required_fields if n in fields],
        "fields_required_by_project": [field_json(fields[n]) for n in pdm.required_fields if n in fields],
        "rule_qualifiers": qualifiers,
        "allow_duplicate_revisions": pdm.allow_duplicate_revisions,
    }


@api_view(["GET"])
def upload_requirements(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, version: str
) -> HttpResponse:
    pdm = pdm_project(request, token, company_id, project_id)
    fields = {f.name: f for f in PdmField.objects.filter(project_id=project_id)}
    values = {v.id: v for v in PdmValue.objects.filter(field__project_id=project_id)}
    rules = UploadRequirement.objects.filter(project_id=project_id).order_by("position", "id")
    return v2_list(request, rules, lambda rule: requirement_json(rule, pdm, fields, values))


def _bool_param(raw: str | None, name: str) -> bool | None:
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ApiError(400, f"{name} must be true or false", reason_code="INVALID_PROPERTY", source=name)


@api_view(["GET"])
def fields_list(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, version: str
) -> HttpResponse:
    pdm_project(request, token, company_id, project_id)
    fields = PdmField.objects.filter(project_id=project_id).order_by("position", "id")
    active = _bool_param(request.GET.get("filters[active]"), "filters[active]")
    if active is not None:
        fields = fields.filter(active=active)
    affects = _bool_param(request.GET.get("filters[can_affect_permissions]"), "filters[can_affect_permissions]")
    if affects is not None:
        fields = fields.filter(can_affect_permissions=affects)
    return v2_list(request, fields, field_json)


VALUE_SORTS = {"position": "position", "active": "active", "code": "code", "label": "label"}


@api_view(["GET"])
def field_values(
    request: HttpRequest, token: AccessToken, company_id: int, project_id: int, field_key: str, version: str
) -> HttpResponse:
    pdm_project(request, token, company_id, project_id)
    field = PdmField.objects.filter(project_id=project_id).filter(Q(id=field_key) | Q(name=field_key)).first()
    if field is None:
        raise ApiError(404, f"Field {field_key} not found", reason_code="NOT_FOUND")
    values = PdmValue.objects.filter(field=field)
    if field.type == "reference" and field.variant in USER_VARIANTS:
        # Documented limitation: user-type reference fields list no values (§7.5).
        values = PdmValue.objects.none()
    if not _bool_param(request.GET.get("include_inactive"), "include_inactive"):
        values = values.filter(active=True)
    if keyword := request.GET.get("keyword", "").strip():
        values = values.filter(Q(label__icontains=keyword) | Q(code__icontains=keyword))
    sort_by = request.GET.get("sort_by", "position")
    if sort_by not in VALUE_SORTS:
        raise ApiError(
            400,
            "sort_by must be one of position, active, code, label",
            reason_code="INVALID_PROPERTY",
            source="sort_by",
        )
    order = request.GET.get("sort_order", "asc")
    if order not in ("asc", "desc"):
        raise ApiError(400, "sort_order must be asc or desc", reason_code="INVALID_PROPERTY", source="sort_order")
    prefix = "-" if order == "desc" else ""
    values = values.order_by(prefix + VALUE_SORTS[sort_by], "label", "id")
    return v2_list(request, values, lambda value: value_json(value, field))
