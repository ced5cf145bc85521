"""Notifications are marked read only when a page is shown to the person from the portal itself, never
by a GET another site makes the browser send (a cross-site image, a script's fetch)."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.staging.models import Notification
from procore_sandbox.testing import ELI
from tests.flows import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

# What Chromium sends for an <img> on another site, and for a page the person opens.
CROSS_SITE_IMAGE = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
SAME_SITE_FETCH = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"}
SIBLING_SITE_PAGE = {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
PAGE = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


@pytest.fixture
def signed_in(sandbox):
    session, _ = sign_in(sandbox, ELI)
    user = User.objects.get(username=ELI)
    note = Notification.objects.create(user=user, text="“Week 12 drawings”: 3 document(s) landed in Procore.")
    return session, note


def test_it_leaves_notices_unread_for_requests_other_sites_make(sandbox, signed_in):
    session, note = signed_in
    home = f"{sandbox.portal_url}/"
    for headers in (CROSS_SITE_IMAGE, SAME_SITE_FETCH, SIBLING_SITE_PAGE):
        answer = session.get(home, headers=headers, timeout=10)
        assert answer.status_code == 200 and "Week 12 drawings" not in answer.text, headers
    # A browser without Sec-Fetch headers: another site as Referer, or none at all.
    session.get(home, headers={"Referer": "https://elsewhere.example/page"}, timeout=10)
    session.get(home, timeout=10)
    note.refresh_from_db()
    assert note.read_at is None


def test_it_shows_a_notice_once_on_a_page_the_person_opens(sandbox, signed_in):
    session, note = signed_in
    page = session.get(f"{sandbox.portal_url}/", headers=PAGE, timeout=10)
    assert "Week 12 drawings" in page.text
    note.refresh_from_db()
    assert note.read_at is not None
    assert "Week 12 drawings" not in session.get(f"{sandbox.portal_url}/", headers=PAGE, timeout=10).text


def test_it_accepts_an_old_browser_following_a_link_inside_the_portal(sandbox, signed_in):
    session, note = signed_in
    page = session.get(f"{sandbox.portal_url}/batches/", headers={"Referer": f"{sandbox.portal_url}/"}, timeout=10)
    assert "Week 12 drawings" in page.text
    note.refresh_from_db()
    assert note.read_at is not None
