"""Steps many tests take: signing in through Procore over HTTP, or making a signed-in person."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urljoin

import requests
from django.utils import timezone
from requests.adapters import HTTPAdapter

from procore_sandbox.testing import PASSWORD

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    """A browser session whose requests come from `address`, another loopback address (127.0.0.2,
    …): a second client as the server sees it, without leaving the machine."""
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
    return session


def start_sign_in(sandbox) -> tuple[requests.Session, requests.Response]:
    """Press "Sign in with Procore"; return the session and the answer (a redirect to Procore)."""
    session = requests.Session()
    page = session.get(f"{sandbox.portal_url}/accounts/login/", timeout=10)
    answer = session.post(
        f"{sandbox.portal_url}/accounts/procore/login/",
        data={"csrfmiddlewaretoken": csrf_from(page.text)},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return session, answer


def approve_at_procore(
    session: requests.Session, authorize_url: str, login: str, password: str = PASSWORD
) -> requests.Response:
    """Choose a sandbox user on Procore's sign-in page; return the redirect back to the portal."""
    page = session.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields.update({"login": login, "password": password})
    answer = session.post(page.url, data=fields, headers={"Referer": page.url}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return answer


def sign_in(sandbox, login: str, password: str = PASSWORD) -> tuple[requests.Session, requests.Response]:
    """The whole sign-in; returns the session and the page it lands on."""
    session, answer = start_sign_in(sandbox)
    back = approve_at_procore(session, answer.headers["Location"], login, password)
    landing = session.get(urljoin(sandbox.portal_url, back.headers["Location"]), timeout=30)
    return session, landing


def portal_user(sandbox, login: str, *, expires_in: int = 5400):
    """A portal user holding real sandbox tokens, as if they had signed in."""
    from django.conf import settings

    from portal.accounts.models import User
    from portal.accounts.tokens import store_tokens
    from procore_sandbox.models import App, Person
    from procore_sandbox.oauth.views import issue_token

    person = Person.objects.get(login=login)
    issued = issue_token(App.objects.get(client_id=settings.PROCORE_CLIENT_ID), person)
    first, _, last = person.name.partition(" ")
    user, _ = User.objects.get_or_create(
        username=login, defaults={"email": login, "first_name": first, "last_name": last, "procore_user_id": person.id}
    )
    store_tokens(
        user,
        procore_user_id=person.id,
        login=login,
        access_token=issued.access_token,
        refresh_token=issued.refresh_token or "",
        expires_at=timezone.now() + timedelta(seconds=expires_in),
    )
    return user


def form_data(html: str, form_class: str = "metadata-form") -> list[tuple[str, str]]:
    """What a browser would send for the form with `form_class` as the page draws it: every named
    input (checked boxes and radios only), selected options and text areas, in page order."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.inside = False
            self.pairs: list[tuple[str, str]] = []
            self.select: str | None = None
            self.area: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            a = {k: v or "" for k, v in attrs}
            if tag == "form" and form_class in a.get("class", "").split():
                self.inside = True
            if not self.inside:
                return
            if tag == "input" and a.get("name"):
                kind = a.get("type", "text")
                if kind in {"checkbox", "radio"} and "checked" not in a:
                    return
                if kind not in {"submit", "button", "file"}:
                    self.pairs.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
            elif tag == "select":
                self.select = a.get("name")
            elif tag == "option" and self.select and "selected" in a:
                self.pairs.append((self.select, a.get("value", "")))
            elif tag == "textarea":
                self.area = a.get("name") or ""
                self.pairs.append((self.area, ""))

        def handle_data(self, data: str) -> None:
            if self.area:
                name, text = self.pairs[-1]
                self.pairs[-1] = (name, text + data)

        def handle_endtag(self, tag: str) -> None:
            if tag == "form":
                self.inside = False
            elif tag == "select":
                self.select = None
            elif tag == "textarea":
                self.area = None

    reader = Reader()
    reader.feed(html)
    return reader.pairs


def stage_file(client, batch_id: int, name: str, content: bytes, content_type: str = "application/pdf") -> dict:
    """Add a file to a batch as the batch page does — start the upload, PUT each signed part, complete —
    then run the worker's task; returns what the page would finally show for it:
    `{"ok": True, "id": <document>, "state", "problems", "notes", "name"}` or `{"ok": False, "error"}`.

    `client` is Django's test client (local-disk parts go through the portal) and signed S3 part URLs
    are PUT over HTTP with `requests`, as a browser would."""
    from django_q.models import OrmQ

    from portal.staging.tasks import record_incoming

    started = client.post(
        f"/batches/{batch_id}/uploads/",
        {"name": name, "size": len(content), "type": content_type},
        content_type="application/json",
    )
    body = started.json()
    if not body.get("ok"):
        return body
    part_size = body["partSize"]
    urls = {p["number"]: p for p in body["parts"]}
    count = max(1, -(-len(content) // part_size))
    missing = [n for n in range(1, count + 1) if n not in urls]
    if missing:
        signed = client.post(
            f"/batches/{batch_id}/uploads/{body['id']}/sign/", {"parts": missing}, content_type="application/json"
        ).json()
        urls.update({p["number"]: p for p in signed["parts"]})
    parts = []
    for number in range(1, count + 1):
        data = content[(number - 1) * part_size : number * part_size]
        url = urls[number]["url"]
        if url.startswith("http"):
            answer = requests.put(url, data=data, headers=urls[number]["headers"], timeout=60)
            etag = answer.headers.get("ETag")
        else:
            answer = client.put(url, data=data, content_type="application/octet-stream")
            etag = answer.headers.get("ETag")
        assert answer.status_code == 200, answer.content
        parts.append({"PartNumber": number, "ETag": etag})
    done = client.post(
        f"/batches/{batch_id}/uploads/{body['id']}/complete/", {"parts": parts}, content_type="application/json"
    ).json()
    if not done.get("ok"):
        return done
    # The worker's turn: take the queued task off the queue (as a django-q2 worker would) and run it.
    for queued in OrmQ.objects.all():
        if queued.task["func"] == "portal.staging.tasks.record_incoming" and queued.task["args"] == (body["id"],):
            queued.delete()
    record_incoming(body["id"])
    final = client.get(f"/batches/{batch_id}/uploads/states/?ids={body['id']}").json()["files"][0]
    if final["state"] != "added":
        return {"ok": False, "error": final.get("error", final["state"]), "name": final["name"]}
    return {
        "ok": True,
        "id": final["document"]["id"],
        "name": final["name"],
        "state": final["document"]["state"],
        "problems": final["document"]["problems"],
        "notes": final["notes"],
    }
