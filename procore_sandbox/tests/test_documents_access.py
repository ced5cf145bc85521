"""Who may read which Documents tool, and the Procore-Company-Id rules (procore-api.md §3.2, §3.6)."""

from __future__ import annotations

import pytest

from procore_sandbox.models import DocumentFile, DocumentFolder
from procore_sandbox.testing import DANA, ELI, PRIYA, SAM

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_answers_404_for_another_persons_project(sandbox):
    sam = sandbox.token(SAM)  # Oakridge Elementary only
    folder = DocumentFolder.objects.filter(project_id=2305, parent__isnull=False).first()
    file = DocumentFile.objects.filter(project_id=2305).first()
    for path in [
        "/rest/v1.0/folders?project_id=2305",
        f"/rest/v1.0/folders/{folder.id}?project_id=2305",
        f"/rest/v1.0/files/{file.id}?project_id=2305",
        "/rest/v1.0/projects/2305/documents",
    ]:
        answer = sandbox.get(path, sam)
        assert answer.status_code == 404, path
        assert answer.json() == {"errors": "Not Found"}
    assert sandbox.get("/rest/v1.0/folders?project_id=2306", sam).status_code == 200


def test_it_does_not_serve_one_projects_folder_under_another(sandbox):
    other = DocumentFolder.objects.filter(project_id=2306, parent__isnull=False).first()
    assert sandbox.get(f"/rest/v1.0/folders/{other.id}?project_id=2305", sandbox.token(DANA)).status_code == 404
    assert sandbox.get(f"/rest/v1.0/companies/8089/folders/{other.id}", sandbox.token(DANA)).status_code == 404


def test_it_answers_404_for_a_company_the_person_is_not_in(sandbox):
    assert sandbox.get("/rest/v1.0/companies/8090/folders", sandbox.token(ELI)).status_code == 404
    assert sandbox.get("/rest/v1.0/companies/8089/folders", sandbox.token(ELI)).status_code == 200


def test_it_needs_the_company_header_for_a_company_in_another_region(sandbox):
    priya = sandbox.token(PRIYA)
    assert sandbox.get("/rest/v1.0/companies/9100/folders", priya).status_code == 404
    assert sandbox.get("/rest/v1.0/folders?project_id=3401", priya).status_code == 404
    header = {"Procore-Company-Id": "9100"}
    assert sandbox.get("/rest/v1.0/companies/9100/folders", priya, headers=header).status_code == 200
    assert sandbox.get("/rest/v1.0/folders?project_id=3401", priya, headers=header).status_code == 200
    # A header naming another company routes the request elsewhere: nothing there.
    assert sandbox.get("/rest/v1.0/folders?project_id=2308", priya, headers=header).status_code == 404


def test_it_needs_a_project_id_and_a_token(sandbox):
    assert sandbox.get("/rest/v1.0/folders", sandbox.token(ELI)).status_code == 400
    assert sandbox.get("/rest/v1.0/folders?project_id=2305", "").status_code == 401
