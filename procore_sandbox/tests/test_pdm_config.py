"""PDM project configuration over HTTP: upload requirements, fields, values, project directory
(procore-api.md §7.3–§7.5)."""

from __future__ import annotations

import pytest

from procore_sandbox.pdm import web_ui as pdm_admin
from procore_sandbox.testing import ELI, PRIYA, SAM, SERVICE_ACCOUNT

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = "/rest/v2.0/companies/8089/projects/2305/document_management"
OAKRIDGE = "/rest/v2.0/companies/8089/projects/2306/document_management"
HARBOR = "/rest/v2.0/companies/8090/projects/2307/document_management"


def pdm_get(sandbox, token: str, path: str, company: int = 8089, **params):
    return sandbox.get(path, token, headers={"Procore-Company-Id": str(company)}, params=params)


def test_it_lists_upload_requirements_with_rules_and_naming_standard(sandbox):
    answer = pdm_get(sandbox, sandbox.token(ELI), f"{RIVERSIDE}/upload_requirements")
    assert answer.status_code == 200, answer.text
    rules = answer.json()["data"]
    default = [r for r in rules if not r["rule_qualifiers"]]
    conditional = [r for r in rules if r["rule_qualifiers"]]
    assert len(default) == 1 and len(conditional) == 3
    assert [f["name"] for f in default[0]["fields_required_by_project"]] == ["name", "type", "status", "revision"]
    drawing = next(
        r
        for r in conditional
        if len(r["rule_qualifiers"]) == 1 and r["rule_qualifiers"][0]["acceptable_values"][0]["label"] == "Drawing"
    )
    assert {f["name"] for f in drawing["additional_required_fields"]} == {"discipline", "date_authored"}
    assert drawing["rule_qualifiers"][0]["field"]["name"] == "type"
    naming = default[0]["naming_standard"]
    assert [f["name"] for f in naming["fields"]] == ["discipline", "type", "number"]
    assert set(naming) == {"id", "name", "fields", "updated_at"}
    assert default[0]["allow_duplicate_revisions"] is True
    assert answer.headers["Link"] == ""


def test_it_configures_each_project_differently(sandbox):
    oakridge = pdm_get(sandbox, sandbox.token(SAM), f"{OAKRIDGE}/upload_requirements").json()["data"]
    assert len(oakridge) == 1 and oakridge[0]["naming_standard"] is None and oakridge[0]["rule_qualifiers"] == []
    harbor = pdm_get(sandbox, sandbox.token(PRIYA), f"{HARBOR}/upload_requirements", company=8090).json()["data"]
    assert harbor[0]["allow_duplicate_revisions"] is False


def test_it_paginates_fields_ten_at_a_time(sandbox):
    token = sandbox.token(ELI)
    first = pdm_get(sandbox, token, f"{RIVERSIDE}/fields")
    assert first.status_code == 200
    assert len(first.json()["data"]) == 10
    total = int(first.headers["Total"])
    assert total > 20
    assert 'rel="next"' in first.headers["Link"]
    names = []
    page = 1
    while True:
        answer = pdm_get(sandbox, token, f"{RIVERSIDE}/fields", page=page)
        names += [f["name"] for f in answer.json()["data"]]
        if 'rel="next"' not in answer.headers["Link"]:
            break
        page += 1
    assert len(names) == total
    custom = [
        f
        for f in pdm_get(sandbox, token, f"{RIVERSIDE}/fields", per_page=100).json()["data"]
        if "custom_field_definition_id" in f
    ]
    assert {f["name"] for f in custom} == {f"custom_field_{n}" for n in range(101, 106)}


def test_it_refuses_a_page_size_over_100(sandbox):
    answer = pdm_get(sandbox, sandbox.token(ELI), f"{RIVERSIDE}/fields", per_page=101)
    assert answer.status_code == 400
    assert answer.json()["error"]["details"][0]["reason_code"] == "INVALID_PROPERTY"


def test_it_filters_fields_by_active(sandbox):
    token = sandbox.token(ELI)
    target = pdm_admin.field(2305, "volume")
    target.active = False
    target.save()
    active = pdm_get(sandbox, token, f"{RIVERSIDE}/fields", per_page=100, **{"filters[active]": "true"}).json()["data"]
    inactive = pdm_get(sandbox, token, f"{RIVERSIDE}/fields", per_page=100, **{"filters[active]": "false"}).json()[
        "data"
    ]
    assert "volume" not in {f["name"] for f in active}
    assert [f["name"] for f in inactive] == ["volume"]


def test_it_lists_values_by_field_name_and_by_id(sandbox):
    token = sandbox.token(ELI)
    by_name = pdm_get(sandbox, token, f"{RIVERSIDE}/fields/type/values")
    assert by_name.status_code == 200
    labels = [v["label"] for v in by_name.json()["data"]]
    assert "Drawing" in labels and "Sketch" not in labels  # inactive values are left out
    field_id = pdm_admin.field(2305, "type").id
    by_id = pdm_get(sandbox, token, f"{RIVERSIDE}/fields/{field_id}/values")
    assert by_id.json() == by_name.json()
    with_inactive = pdm_get(sandbox, token, f"{RIVERSIDE}/fields/type/values", include_inactive="true").json()
    sketch = next(v for v in with_inactive["data"] if v["label"] == "Sketch")
    assert sketch["active"] is False and sketch["code"] == "SKT"


def test_it_pages_searches_and_sorts_values(sandbox):
    token = sandbox.token(ELI)
    first = pdm_get(sandbox, token, f"{RIVERSIDE}/fields/discipline/values")
    assert len(first.json()["data"]) == 10 and first.headers["Total"] == "11"
    found = pdm_get(sandbox, token, f"{RIVERSIDE}/fields/discipline/values", keyword="struct").json()["data"]
    assert [v["label"] for v in found] == ["Structural"]
    by_label = pdm_get(sandbox, token, f"{RIVERSIDE}/fields/status/values", sort_by="label", sort_order="desc").json()[
        "data"
    ]
    assert [v["label"] for v in by_label] == sorted([v["label"] for v in by_label], reverse=True)


def test_it_shows_a_deactivated_and_an_added_value(sandbox):
    token = sandbox.token(ELI)
    pdm_admin.deactivate_value(2305, "type", "IMG")
    pdm_admin.add_value(2305, "type", "MOD", "Model")
    labels = [v["label"] for v in pdm_get(sandbox, token, f"{RIVERSIDE}/fields/type/values").json()["data"]]
    assert "Image" not in labels and "Model" in labels


def test_it_answers_empty_values_for_user_fields(sandbox):
    token = sandbox.token(ELI)
    for name in ("authored_by", "uploaded_by", "custom_field_102"):
        answer = pdm_get(sandbox, token, f"{RIVERSIDE}/fields/{name}/values")
        assert answer.status_code == 200
        assert answer.json() == {"data": []}
    locations = pdm_get(sandbox, token, f"{RIVERSIDE}/fields/location/values").json()["data"]
    assert locations and locations[0]["id"].isdigit()


def test_it_requires_the_company_header(sandbox):
    answer = sandbox.get(f"{RIVERSIDE}/fields", sandbox.token(ELI))
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == "Missing Procore-Company-Id header!"


def test_it_hides_another_persons_project(sandbox):
    answer = pdm_get(sandbox, sandbox.token(SAM), f"{RIVERSIDE}/fields")
    assert answer.status_code == 404
    assert "error" in answer.json()


def test_it_serves_the_service_account_in_every_pdm_project(sandbox):
    token = sandbox.token(SERVICE_ACCOUNT)
    for company, project in ((8089, 2305), (8089, 2306), (8090, 2307), (8090, 2308)):
        path = f"/rest/v2.0/companies/{company}/projects/{project}/document_management/upload_requirements"
        assert pdm_get(sandbox, token, path, company=company).status_code == 200
