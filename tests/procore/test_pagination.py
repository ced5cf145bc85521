"""One pagination helper for v1 and v2 lists: follows Link rel="next", streams page by page."""

from __future__ import annotations

import pytest
import requests

from portal.procore.http import BearerToken, ProcoreClient
from portal.procore.pagination import iter_items, iter_pages, next_link
from procore_sandbox.limits import ratelimit
from procore_sandbox.models import Company, Project

pytestmark = pytest.mark.django_db(transaction=True)

NORTHWIND = 8089


def add_projects(count: int) -> list[int]:
    company = Company.objects.get(id=NORTHWIND)
    Project.objects.bulk_create(
        [Project(id=700_000 + n, company=company, name=f"Bulk project {n:03d}") for n in range(count)]
    )
    return list(Project.objects.filter(company=company, active=True).order_by("id").values_list("id", flat=True))


def requests_seen() -> int:
    return sum(ratelimit.accepted_per_window().values())


def test_it_yields_250_projects_in_order_over_three_pages(sandbox):
    expected = add_projects(250 - 2)  # Northwind already has two active projects
    assert len(expected) == 250
    client = ProcoreClient(BearerToken(sandbox.token()), NORTHWIND, base_url=sandbox.base_url)  # Dana: admin
    got = [
        p["id"]
        for p in iter_items(
            client, "/rest/v1.1/projects", {"company_id": NORTHWIND, "per_page": 100, "unknown_param": "ignored"}
        )
    ]
    assert got == expected
    assert requests_seen() == 3


def test_it_fetches_a_page_only_when_it_is_asked_for(sandbox):
    add_projects(248)
    client = ProcoreClient(BearerToken(sandbox.token()), NORTHWIND, base_url=sandbox.base_url)
    pages = iter_pages(client, "/rest/v1.1/projects", {"company_id": NORTHWIND, "per_page": 100})
    first = next(pages)
    assert len(first) == 100
    assert requests_seen() == 1
    assert [len(page) for page in pages] == [100, 50]
    assert requests_seen() == 3


def test_it_stops_at_a_single_page_with_an_empty_link_header(sandbox):
    client = ProcoreClient(BearerToken(sandbox.token()), NORTHWIND, base_url=sandbox.base_url)
    pages = list(iter_pages(client, "/rest/v1.1/projects", {"company_id": NORTHWIND, "per_page": 100}))
    assert [len(page) for page in pages] == [2]


def fake_response(link: str | None, url: str = "https://api.procore.com/rest/v2.0/x") -> requests.Response:
    """PDM's shape, which no v2 list of the sandbox may reach yet: an empty Link header on one page."""
    response = requests.Response()
    response.status_code = 200
    response.url = url
    if link is not None:
        response.headers["Link"] = link
    return response


def test_it_reads_next_links_and_treats_an_empty_header_as_the_end():
    assert next_link(fake_response("")) is None
    assert next_link(fake_response(None)) is None
    assert (
        next_link(
            fake_response(
                '<https://api.procore.com/rest/v2.0/x?page=3>; rel="last", '
                '<https://api.procore.com/rest/v2.0/x?page=2>; rel="next"'
            )
        )
        == "https://api.procore.com/rest/v2.0/x?page=2"
    )
    assert next_link(fake_response('<https://api.procore.com/rest/v2.0/x?page=1>; rel="first"')) is None


def test_it_follows_v2_links_and_stops_on_pdm_empty_link(sandbox):
    from procore_sandbox.testing import SERVICE_ACCOUNT

    client = ProcoreClient(BearerToken(sandbox.token(SERVICE_ACCOUNT)), NORTHWIND, base_url=sandbox.base_url)
    path = f"/rest/v2.0/companies/{NORTHWIND}/projects/2305/document_management/document_revisions"
    one_page = client.get(path, params={"per_page": 100})
    assert one_page.headers["Link"] == ""  # PDM: present but empty when everything fits
    everything = one_page.json()["data"]
    assert len(everything) >= 3
    assert [len(p) for p in iter_pages(client, path, {"per_page": 100})] == [len(everything)]
    paged = list(iter_items(client, path, {"per_page": 2, "not_a_procore_param": "x"}))  # ignored, as Procore does
    assert [r["id"] for r in paged] == [r["id"] for r in everything]
