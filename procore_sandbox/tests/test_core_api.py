"""The sandbox's /me, companies and projects: visibility, the company header, pagination."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from procore_sandbox.testing import DANA, ELI, PRIYA, SAM, SERVICE_ACCOUNT

pytestmark = pytest.mark.django_db(transaction=True)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


def test_me_describes_the_token_owner(sandbox):
    body = sandbox.get("/rest/v1.0/me", sandbox.token(ELI)).json()
    assert body == {"id": 5448, "login": ELI, "name": "Eli Navarro"}


def test_a_missing_token_answers_401_with_the_v1_body(sandbox):
    answer = sandbox.get("/rest/v1.0/me", "")
    assert answer.status_code == 401
    assert answer.json() == {"errors": "The access token is invalid"}


def test_people_see_only_their_companies(sandbox):
    assert ids(sandbox.get("/rest/v1.0/companies", sandbox.token(DANA))) == [8089, 8090]
    assert ids(sandbox.get("/rest/v1.0/companies", sandbox.token(ELI))) == [8089]
    assert ids(sandbox.get("/rest/v1.0/companies", sandbox.token(PRIYA))) == [8090, 9100]


def test_a_company_admin_sees_every_active_project_and_a_member_only_theirs(sandbox):
    dana = sandbox.token(DANA)
    assert ids(sandbox.get("/rest/v1.0/projects?company_id=8089", dana)) == [2305, 2306]
    assert ids(sandbox.get("/rest/v1.0/projects?company_id=8090", dana)) == [2307]
    assert ids(sandbox.get("/rest/v1.0/projects?company_id=8089", sandbox.token(SAM))) == [2306]


def test_inactive_projects_appear_only_when_asked_for(sandbox):
    dana = sandbox.token(DANA)
    assert ids(sandbox.get("/rest/v1.0/projects?company_id=8089&filters[by_status]=Inactive", dana)) == [2309]
    assert ids(sandbox.get("/rest/v1.0/projects?company_id=8089&filters[by_status]=All", dana)) == [2305, 2306, 2309]


def test_projects_carry_the_documented_fields(sandbox):
    project = sandbox.get("/rest/v1.1/projects?company_id=8089", sandbox.token(ELI)).json()[0]
    for key in [
        "id",
        "name",
        "display_name",
        "project_number",
        "address",
        "city",
        "state_code",
        "country_code",
        "zip",
        "stage",
        "created_at",
        "updated_at",
        "active",
        "origin_id",
        "company",
    ]:
        assert key in project
    assert project["company"] == {"id": 8089, "name": "Northwind Builders"}
    compact = sandbox.get("/rest/v1.1/projects?company_id=8089&view=compact", sandbox.token(ELI)).json()[0]
    assert compact == {"id": 2305, "name": "Riverside Medical Center"}


def test_a_company_the_person_cannot_see_answers_404(sandbox):
    answer = sandbox.get("/rest/v1.0/projects?company_id=8090", sandbox.token(ELI))
    assert answer.status_code == 404


def test_company_id_is_required_for_projects(sandbox):
    answer = sandbox.get("/rest/v1.0/projects", sandbox.token(ELI))
    assert answer.status_code == 400


def test_another_region_needs_the_company_header(sandbox):
    priya = sandbox.token(PRIYA)
    assert sandbox.get("/rest/v1.0/projects?company_id=9100", priya).status_code == 404
    answer = sandbox.get("/rest/v1.0/projects?company_id=9100", priya, headers={"Procore-Company-Id": "9100"})
    assert ids(answer) == [3401]
    # The default region still answers without the header, as Procore does.
    assert ids(sandbox.get("/rest/v1.0/projects?company_id=8090", priya)) == [2307, 2308]


def test_a_header_naming_another_company_finds_nothing(sandbox):
    answer = sandbox.get(
        "/rest/v1.0/projects?company_id=8090", sandbox.token(PRIYA), headers={"Procore-Company-Id": "9100"}
    )
    assert answer.status_code == 404


def test_lists_are_paginated_with_link_total_and_per_page(sandbox):
    dana = sandbox.token(DANA)
    first = sandbox.get("/rest/v1.0/projects?company_id=8089&filters[by_status]=All&per_page=1", dana)
    assert first.headers["Total"] == "3"
    assert first.headers["Per-Page"] == "1"
    assert set(first.links) == {"next", "last"}
    assert parse_qs(urlsplit(first.links["next"]["url"]).query)["page"] == ["2"]

    middle = sandbox.get(first.links["next"]["url"], dana)
    assert set(middle.links) == {"first", "next", "last"}
    last = sandbox.get(middle.links["next"]["url"], dana)
    assert set(last.links) == {"first", "prev"}
    seen = ids(first) + ids(middle) + ids(last)
    assert seen == [2305, 2306, 2309]


def test_a_single_page_carries_no_link_header(sandbox):
    answer = sandbox.get("/rest/v1.0/companies", sandbox.token(DANA))
    assert "Link" not in answer.headers
    assert answer.headers["Total"] == "2"


def test_project_detail_respects_visibility(sandbox):
    assert sandbox.get("/rest/v1.0/projects/2305?company_id=8089", sandbox.token(ELI)).json()["id"] == 2305
    assert sandbox.get("/rest/v1.0/projects/2306?company_id=8089", sandbox.token(ELI)).status_code == 404


def test_unknown_query_parameters_are_ignored(sandbox):
    answer = sandbox.get("/rest/v1.0/companies?include_free_companies=true&whatever=1", sandbox.token(ELI))
    assert ids(answer) == [8089]


def test_a_service_account_lists_its_companies_without_the_company_header(sandbox):
    # As propycore and pyprocore do: a client cannot know a company id before listing companies.
    answer = sandbox.get("/rest/v1.0/companies?include_free_companies=true", sandbox.token(SERVICE_ACCOUNT))
    assert ids(answer) == [8089, 8090, 9100]
    assert answer.headers["Total"] == "3"


def test_a_service_account_still_needs_the_header_for_a_company_in_another_region(sandbox):
    service = sandbox.token(SERVICE_ACCOUNT)
    assert sandbox.get("/rest/v1.0/projects?company_id=9100", service).status_code == 404
    answer = sandbox.get("/rest/v1.0/projects?company_id=9100", service, headers={"Procore-Company-Id": "9100"})
    assert ids(answer) == [3401]


def test_a_service_account_asking_me_must_send_the_company_header(sandbox):
    service = sandbox.token(SERVICE_ACCOUNT)
    refused = sandbox.get("/rest/v1.0/me", service)
    assert refused.status_code == 400
    assert refused.json() == {"errors": "Missing Procore-Company-Id header!"}
    answer = sandbox.get("/rest/v1.0/me", service, headers={"Procore-Company-Id": "8089"})
    assert answer.json() == {"id": 9001, "login": SERVICE_ACCOUNT, "name": "Document Portal (service account)"}
