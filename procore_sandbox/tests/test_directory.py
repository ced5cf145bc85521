"""The project Directory, `GET /rest/v1.0/projects/{id}/users`: members, views, the tool switch, pagination."""

from __future__ import annotations

import pytest

from procore_sandbox.testing import DANA, ELI, PRIYA, SAM, SERVICE_ACCOUNT

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE, OAKRIDGE, HARBOR_BRIDGE, METRO = 2305, 2306, 2307, 2308


def users(sandbox, login: str, project: int, company: int = 8089, **params):
    return sandbox.get(
        f"/rest/v1.0/projects/{project}/users",
        sandbox.token(login),
        headers={"Procore-Company-Id": str(company)},
        params=params,
    )


def test_it_lists_the_projects_active_members_with_their_email(sandbox):
    answer = users(sandbox, ELI, RIVERSIDE)
    assert answer.status_code == 200, answer.text
    people = {p["id"]: p for p in answer.json()}
    assert set(people) == {5447, 5448, 5461, 5462, 5463, 5464}, "members only, and not the service account"
    eli = people[5448]
    assert (eli["name"], eli["first_name"], eli["last_name"], eli["email_address"]) == (
        "Eli Navarro",
        "Eli",
        "Navarro",
        ELI,
    )
    namesakes = [p for p in people.values() if p["name"] == "Jordan Lee"]
    assert len({p["email_address"] for p in namesakes}) == 2
    assert people[5463]["vendor"]["name"] == "Brooks Structural Engineers"
    assert answer.headers["Total"] == "6"


def test_it_pages_like_every_v1_list(sandbox):
    first = users(sandbox, ELI, RIVERSIDE, per_page=2, sort="name")
    assert first.status_code == 200
    assert [p["name"] for p in first.json()] == ["Dana Whitfield", "Eli Navarro"]
    assert first.headers["Total"] == "6" and first.headers["Per-Page"] == "2"
    following = sandbox.get(first.links["next"]["url"], sandbox.token(ELI), headers={"Procore-Company-Id": "8089"})
    assert [p["name"] for p in following.json()] == ["Jordan Lee", "Jordan Lee"]


def test_it_searches_names_emails_titles_and_companies(sandbox):
    assert [p["id"] for p in users(sandbox, ELI, RIVERSIDE, **{"filters[search]": "brooks"}).json()] == [5463]
    assert {p["id"] for p in users(sandbox, ELI, RIVERSIDE, **{"filters[search]": "jordan"}).json()} == {5462, 5463}
    assert [p["id"] for p in users(sandbox, ELI, RIVERSIDE, **{"filters[id]": "5461"}).json()] == [5461]


def test_it_gives_the_compact_view_to_people_without_directory_permission(sandbox):
    answer = users(sandbox, PRIYA, METRO, company=8090)
    assert answer.status_code == 200, answer.text
    person = answer.json()[0]
    assert set(person) == {"id", "name", "first_name", "last_name", "initials", "vendor"}
    asked = users(sandbox, ELI, RIVERSIDE, view="compact").json()[0]
    assert "email_address" not in asked


def test_it_answers_403_when_the_directory_tool_is_off(sandbox):
    answer = users(sandbox, SAM, OAKRIDGE)
    assert answer.status_code == 403
    assert answer.json() == {"errors": "The Directory tool is not active on this project"}


def test_it_hides_projects_the_caller_cannot_see(sandbox):
    assert users(sandbox, SAM, RIVERSIDE).status_code == 404
    # A company admin sees every project of the company, and so its directory.
    assert users(sandbox, DANA, RIVERSIDE).status_code == 200


def test_it_needs_the_company_header_for_a_company_in_another_region(sandbox):
    token = sandbox.token(PRIYA)
    assert sandbox.get("/rest/v1.0/projects/3401/users", token).status_code == 404
    answer = sandbox.get("/rest/v1.0/projects/3401/users", token, headers={"Procore-Company-Id": "9100"})
    assert answer.status_code == 200


def test_the_service_account_may_read_it(sandbox):
    answer = users(sandbox, SERVICE_ACCOUNT, HARBOR_BRIDGE, company=8090)
    assert answer.status_code == 200
    assert {p["id"] for p in answer.json()} >= {5447, 5449, 5462}


def test_person_fields_take_several_people_only_where_the_field_says_so(sandbox):
    from procore_sandbox.models import PdmField, PdmProject
    from procore_sandbox.pdm.metadata import ProjectSchema

    schema = ProjectSchema(PdmProject.objects.get(project_id=RIVERSIDE))
    reviewers = PdmField.objects.get(project_id=RIVERSIDE, name="custom_field_103")
    author = PdmField.objects.get(project_id=RIVERSIDE, name="authored_by")
    assert reviewers.variant == "procore_users"
    assert schema.validate_write(reviewers.id, ["5461", "5464"], "fields.0")[1] == ["5461", "5464"]
    with pytest.raises(Exception, match="one value"):
        schema.validate_write(author.id, ["5461", "5464"], "fields.1")
    with pytest.raises(Exception, match="not a user of this project"):
        schema.validate_write(author.id, ["5450"], "fields.1")
