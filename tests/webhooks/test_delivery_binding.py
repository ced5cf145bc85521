"""A delivery is bound to the hook it arrived at, never to the ids in its body: a project-scope hook
accepts its own project's events only, a company-scope hook its company's projects that the portal
serves. Misdirected events are kept as rejected with the reason, never processed, and answered 2xx
(a non-2xx would make Procore pause the whole endpoint)."""

from __future__ import annotations

import pytest

from portal.webhooks.models import Delivery, Hook, ProjectRefresh
from portal.webhooks.processing import drain
from portal.webhooks.registration import new_secret
from tests.webhooks.deliveries import NORTHWIND, RIVERSIDE, post, v4_event

pytestmark = pytest.mark.django_db(transaction=True)

OAKRIDGE = 2306  # Northwind's other project; nobody in these tests serves it through the portal
HARBOR_BRIDGE = 2307  # Harbor Civil's


def test_a_project_hook_refuses_another_projects_event_and_answers_2xx(hook, sandbox):
    event = v4_event("01OTHERPROJECT000000000001", "created", "rev-9", project_id=OAKRIDGE)
    for _ in range(2):  # Procore's retry of the same body
        assert post(sandbox, hook, event).status_code == 204
    kept = Delivery.objects.get()
    assert kept.state == Delivery.State.REJECTED and kept.duplicates == 1
    assert f"project {OAKRIDGE} arrived at the hook of project {RIVERSIDE}" in kept.error
    # Nothing is processed, and nothing is listed under the project the body names.
    assert drain() == 0
    assert not Delivery.objects.filter(project_id=OAKRIDGE).exists()
    assert not ProjectRefresh.objects.filter(project_id=OAKRIDGE).exists()


def test_a_project_hook_refuses_another_companys_event(hook, sandbox):
    event = v4_event("01OTHERCOMPANY000000000001", "updated", "rev-1") | {"company_id": "8090"}
    assert post(sandbox, hook, event).status_code == 204
    assert Delivery.objects.get().state == Delivery.State.REJECTED
    assert drain() == 0


def test_a_refused_event_does_not_block_the_same_event_where_it_belongs(hook, sandbox, project):
    misdirected = v4_event("01SAMEEVENT000000000000001", "updated", "rev-1", project_id=OAKRIDGE)
    assert post(sandbox, hook, misdirected).status_code == 204
    genuine = v4_event("01SAMEEVENT000000000000001", "updated", "rev-1")
    assert post(sandbox, hook, genuine).status_code == 204
    accepted = Delivery.objects.get(event_id="01SAMEEVENT000000000000001")
    assert accepted.project_id == RIVERSIDE and accepted.state == Delivery.State.RECEIVED
    assert drain() == 1


def test_the_hooks_project_is_recorded_whatever_the_body_omits(hook, sandbox):
    event = v4_event("01NOPROJECTINBODY000000001", "updated", "rev-1")
    del event["project_id"], event["company_id"]
    assert post(sandbox, hook, event).status_code == 204
    assert Delivery.objects.get().project_id == RIVERSIDE


@pytest.fixture
def company_hook(project):
    """A company-scope hook of Northwind (registered by hand in Procore, as an administrator may)."""
    hook = Hook(company_id=NORTHWIND, payload_version="v4.0", namespace="document-portal", status=Hook.Status.ACTIVE)
    hook.set_secret(new_secret())
    hook.save()
    return hook


def test_a_company_hook_accepts_its_companys_served_projects_only(company_hook, sandbox):
    served = v4_event("01COMPANYSERVED00000000001", "updated", "rev-1", project_id=RIVERSIDE)
    unserved = v4_event("01COMPANYUNSERVED000000001", "updated", "rev-2", project_id=OAKRIDGE)
    elsewhere = v4_event("01COMPANYELSEWHERE00000001", "updated", "rev-3", project_id=HARBOR_BRIDGE)
    company_level = v4_event("01COMPANYLEVEL000000000001", "create", "77", resource_type="Company Files")
    del company_level["project_id"]
    for event in (served, unserved, elsewhere, company_level):
        assert post(sandbox, company_hook, event).status_code == 204
    assert Delivery.objects.get(event_id=served["id"]).project_id == RIVERSIDE
    assert Delivery.objects.get(event_id=company_level["id"]).project_id is None
    refused = Delivery.objects.filter(state=Delivery.State.REJECTED)
    assert refused.count() == 2 and all(d.event_id is None and d.project_id is None for d in refused)
    assert {("not a project of company 8089" in d.error) for d in refused} == {True}
    assert drain() == 2
    assert ProjectRefresh.objects.filter(project_id=RIVERSIDE).exists()
    assert not ProjectRefresh.objects.exclude(project_id=RIVERSIDE).exists()
