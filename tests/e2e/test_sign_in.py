"""Sign in with Procore in a real browser and land on one's projects."""

from __future__ import annotations

import pytest

from procore_sandbox.testing import ELI, PASSWORD, PRIYA

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, sandbox, login: str, password: str = PASSWORD) -> None:
    page.goto(f"{sandbox.portal_url}/")
    page.get_by_role("button", name="Sign in with Procore").click()
    page.wait_for_url(f"{sandbox.base_url}/oauth/authorize*")
    page.locator(f'input[name="login"][value="{login}"]').check()
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in and allow").click()
    page.wait_for_url(f"{sandbox.portal_url}/")


def test_it_signs_in_and_shows_exactly_the_persons_projects(page, sandbox):
    sign_in(page, sandbox, PRIYA)
    assert page.get_by_role("heading", name="Your projects").is_visible()
    rows = page.locator("tr.project")
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.projectId)")) == ["2307", "2308", "3401"]
    assert page.get_by_text("Priya Raman").first.is_visible()
    # The company in another region is listed too: the portal sent Procore-Company-Id.
    assert page.locator('[data-company-id="9100"] tr.project td.name').inner_text() == "Lakeside Logistics Hub"


def test_a_wrong_password_stays_on_procore_and_then_succeeds(page, sandbox):
    page.goto(f"{sandbox.portal_url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Procore").click()
    page.locator(f'input[name="login"][value="{ELI}"]').check()
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in and allow").click()
    assert page.get_by_role("alert").inner_text() == "The login or password is not correct."
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in and allow").click()
    page.wait_for_url(f"{sandbox.portal_url}/")
    assert page.locator("tr.project").count() == 1


def test_denying_at_procore_explains_on_the_sign_in_page(page, sandbox):
    page.goto(f"{sandbox.portal_url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Procore").click()
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(f"{sandbox.portal_url}/accounts/login/")
    assert "cancelled" in page.locator(".messages").inner_text()


def test_sign_out(page, sandbox):
    sign_in(page, sandbox, ELI)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{sandbox.portal_url}/accounts/login/*")
    assert page.get_by_role("button", name="Sign in with Procore").is_visible()
