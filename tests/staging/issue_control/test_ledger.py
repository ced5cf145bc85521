"""The content ledger: what the portal issued is remembered by SHA-256, and a staged file that
was issued or staged before says so (against the live sandbox, through the real submit task)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.staging import services
from portal.staging.issue_control import checks
from portal.staging.models import LedgerEntry
from tests.staging.issue_control.helpers import issue
from tests.staging.submitting import drawing

pytestmark = pytest.mark.django_db(transaction=True)


def kinds(report) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in report.findings:
        found.setdefault(finding.document.file_name, []).append(finding.kind)
    return found


def test_it_warns_when_the_same_file_is_staged_in_two_batches(eli_at_riverside, stage):
    user, project = eli_at_riverside
    first = services.create_batch(project, user, name="Monday set")
    second = services.create_batch(project, user, name="Tuesday set")
    name, values = drawing(601)
    stage(first, name, values, b"%PDF-1.4 sheet 601")
    stage(first, *drawing(602), b"%PDF-1.4 sheet 602")
    stage(second, name, values, b"%PDF-1.4 sheet 601")

    report = checks.check_batch(second)
    assert kinds(report) == {name: [checks.STAGED_ELSEWHERE]}
    (finding,) = report.findings
    assert "“Monday set”" in finding.message and "Eli Navarro" in finding.message
    assert "second document" not in finding.message  # same name and number: a plain duplicate
    # Both batches see each other; the other sheet of the first batch has nothing to say.
    assert kinds(checks.check_batch(first)) == {name: [checks.STAGED_ELSEWHERE]}


def test_it_calls_a_renamed_copy_a_phantom_second_sheet(eli_at_riverside, stage):
    user, project = eli_at_riverside
    first = services.create_batch(project, user, name="Monday set")
    second = services.create_batch(project, user, name="Renumbered set")
    stage(first, *drawing(603), b"%PDF-1.4 sheet 603")
    stage(second, *drawing(613), b"%PDF-1.4 sheet 603")  # the same bytes, now numbered 613

    (finding,) = checks.check_batch(second).findings
    assert finding.kind == checks.STAGED_ELSEWHERE
    assert "as A-DRW-603 (Plan 603)" in finding.message
    assert "under another number or name it would become a second document in Procore" in finding.message


def test_it_remembers_what_it_issued_and_recognises_it_when_staged_again(eli_at_riverside, stage, issue):
    user, project = eli_at_riverside
    first = services.create_batch(project, user, name="First issue")
    sheet = stage(first, *drawing(604), b"%PDF-1.4 sheet 604 rev A")
    issue(first)

    entry = LedgerEntry.objects.get(document=sheet)
    sheet.refresh_from_db()
    assert (entry.sha256, entry.size, entry.source) == (sheet.sha256, sheet.size, LedgerEntry.Source.PORTAL)
    assert (entry.project, entry.batch, entry.issued_by) == (project, first, user)
    assert (entry.number, entry.name, entry.revision) == ("A-DRW-604", "Plan 604", "A")
    assert (entry.revision_id, entry.container_id, entry.version) == (sheet.revision_id, sheet.container_id, 1)
    assert entry.issued_by_name == "Eli Navarro" and entry.issued_at is not None

    # The same bytes staged again as revision B of the same sheet: issued before, and identical
    # to the container's current revision (the portal issued it, so it knows its hash).
    second = services.create_batch(project, user, name="Second issue")
    again = stage(second, *drawing(604, revision="B"), b"%PDF-1.4 sheet 604 rev A")
    report = checks.check_batch(second)
    assert kinds(report) == {again.file_name: [checks.ISSUED_BEFORE, checks.SAME_AS_CURRENT]}
    messages = {f.kind: f.message for f in report.findings}
    issued = messages[checks.ISSUED_BEFORE]
    assert issued.startswith("This file was issued before: revision A of A-DRW-604 (Plan 604), version 1, issued ")
    assert issued.endswith("by Eli Navarro") and f"{entry.issued_at:%-d %b %Y}" in issued
    assert "identical to the current revision A (version 1) of A-DRW-604" in messages[checks.SAME_AS_CURRENT]

    # ...and renamed as another sheet in a third batch: a phantom second document.
    third = services.create_batch(project, user, name="Renumbered")
    renamed = stage(third, *drawing(614), b"%PDF-1.4 sheet 604 rev A")
    report = checks.check_batch(third)
    assert kinds(report) == {renamed.file_name: [checks.ISSUED_BEFORE, checks.STAGED_ELSEWHERE]}
    assert "It is staged now as A-DRW-614 (Plan 614)" in report.findings[0].message


def test_it_waits_for_a_decision_and_writes_it_in_the_history(eli_at_riverside, stage, client_for):
    user, project = eli_at_riverside
    first = services.create_batch(project, user, name="Monday set")
    second = services.create_batch(project, user, name="Tuesday set")
    stage(first, *drawing(605), b"%PDF-1.4 sheet 605")
    kept = stage(second, *drawing(605), b"%PDF-1.4 sheet 605")
    removed = stage(second, *drawing(606), b"%PDF-1.4 sheet 606")
    stage(first, *drawing(606), b"%PDF-1.4 sheet 606")
    client = client_for(user)

    # Submit waits for the warnings, and says where to decide.
    answer = client.post(f"/batches/{second.pk}/submit/")
    assert answer.status_code == 302 and answer["Location"] == f"/batches/{second.pk}/issue-check/"
    page = client.get(answer["Location"]).content.decode()
    assert "2 warnings to review before submitting" in page and "Also staged elsewhere" in page
    # The batch page asks for its issue check panel once loaded; the panel counts the same.
    assert f'hx-get="/batches/{second.pk}/issue-check/panel/"' in client.get(f"/batches/{second.pk}/").content.decode()
    assert "Review warnings (2)" in client.get(f"/batches/{second.pk}/issue-check/panel/").content.decode()
    assert second.submissions.count() == 0

    (finding,) = [f for f in checks.check_batch(second).findings if f.document.pk == kept.pk]
    client.post(
        f"/batches/{second.pk}/issue-check/decide/",
        {
            "action": "keep",
            "document": kept.pk,
            "kind": finding.kind,
            "subject": finding.subject,
            "reason": "The Monday set is withdrawn",
        },
    )
    client.post(f"/batches/{second.pk}/issue-check/decide/", {"action": "remove", "document": removed.pk, "why": "dup"})

    assert checks.unreviewed(second) == 0
    assert list(second.documents.values_list("pk", flat=True)) == [kept.pk]
    history = {entry.action: entry.detail for entry in second.audit.all()}
    assert "Reason: The Monday set is withdrawn" in history["Kept a document despite a warning"]
    assert history["Removed a document after a warning"] == f"{removed.file_name}: dup"
    page = client.get(f"/batches/{second.pk}/issue-check/").content.decode()
    assert "Kept by Eli Navarro" in page and "“The Monday set is withdrawn”" in page
    # Someone who cannot see the project gets a 404, not the page.
    assert client_for(None).get(f"/batches/{second.pk}/issue-check/").status_code in {302, 404}


def test_it_names_only_the_owner_of_a_batch_the_person_may_not_see(eli_at_riverside, stage, sandbox):
    from portal.mirror.sync import sync_memberships
    from procore_sandbox.testing import JORDAN_NORTHWIND
    from tests.flows import portal_user

    user, project = eli_at_riverside
    jordan = portal_user(sandbox, JORDAN_NORTHWIND)
    sync_memberships(jordan)
    private = services.create_batch(project, jordan, name="Jordan's private set")
    stage(private, *drawing(607), b"%PDF-1.4 sheet 607")
    mine = services.create_batch(project, user, name="Eli's set")
    stage(mine, *drawing(617), b"%PDF-1.4 sheet 607")

    (finding,) = checks.check_batch(mine, viewer=user).findings
    assert finding.kind == checks.STAGED_ELSEWHERE
    assert finding.message == (
        f"The same file is also staged in a batch of {jordan.get_full_name()} in this project, under another "
        "number or name: it would become a second document in Procore"
    )
    assert "private set" not in finding.message and "607" not in finding.message
    # Without a reader (the worker, admin), every batch is named.
    assert "“Jordan's private set”" in checks.check_batch(mine).findings[0].message


def test_it_remembers_files_issued_to_a_documents_folder(synced_project, media, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.mirror.models import File
    from portal.staging.models import Batch, Transmittal
    from portal.staging.schema import load_schema
    from procore_sandbox.models import DocumentFolder
    from procore_sandbox.testing import SAM
    from tests.staging.submitting import fast_pipeline

    fast_pipeline(monkeypatch)
    user, project = synced_project(SAM, 2306, company_documents=True)
    folder = (
        DocumentFolder.objects.filter(project_id=2306, is_deleted=False).exclude(parent=None).order_by("id").first()
    )

    def folder_batch(name: str, file_name: str) -> Batch:
        batch = services.create_batch(project, user, name=name, target=Batch.Target.FOLDER, folder_id=folder.id)
        services.add_document(
            batch, user, SimpleUploadedFile(file_name, b"%PDF-1.4 site report", "application/pdf"), load_schema(project)
        )
        return batch

    first = folder_batch("Site reports", "Site report.pdf")
    issue(first)
    entry = LedgerEntry.objects.get(batch=first)
    assert (entry.target, entry.name, entry.version, entry.issued_by_name) == (
        "folder",
        "Site report.pdf",
        1,
        "Sam Okafor",
    )
    made = Transmittal.objects.get(batch=first)
    assert made.documents == 1 and made.complete
    mirrored = File.objects.get(pk=int(entry.container_id))
    with made.csv.open("rb") as stored:
        assert mirrored.latest_version_url in stored.read().decode("utf-8-sig")

    again = folder_batch("Site reports, again", "Site report copy.pdf")
    (finding,) = checks.check_batch(again).findings
    assert finding.kind == checks.ISSUED_BEFORE
    assert finding.message.startswith("This file was issued before: “Site report.pdf” in a Documents folder, version 1")
    assert "by Sam Okafor. It is staged now as “Site report copy.pdf”" in finding.message
    assert finding.message.endswith("it becomes a second file in the folder")


def test_the_ledger_spans_people_and_batches_and_administrators_read_it(eli_at_riverside, stage, sandbox):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from portal.mirror.sync import sync_memberships
    from procore_sandbox.testing import JORDAN_NORTHWIND
    from tests.flows import portal_user

    user, project = eli_at_riverside
    jordan = portal_user(sandbox, JORDAN_NORTHWIND)
    sync_memberships(jordan)
    theirs = services.create_batch(project, jordan, name="Jordan's issue")
    stage(theirs, *drawing(608), b"%PDF-1.4 sheet 608")
    issue(theirs)
    mine = services.create_batch(project, user, name="Eli's issue")
    stage(mine, *drawing(609), b"%PDF-1.4 sheet 609")
    issue(mine)

    # Eli stages the file Jordan issued: the ledger knows it, and who issued it.
    later = services.create_batch(project, user, name="Eli's next set")
    stage(later, *drawing(618), b"%PDF-1.4 sheet 608")
    (finding,) = checks.check_batch(later, viewer=user).findings
    assert finding.kind == checks.ISSUED_BEFORE
    assert "revision A of A-DRW-608 (Plan 608), version 1, issued " in finding.message
    assert f"by {jordan.get_full_name()}. It is staged now as A-DRW-618 (Plan 618)" in finding.message

    # Administrators read the whole ledger in admin; no one edits it there.
    staff = get_user_model().objects.create_superuser("ledger-admin", "admin@example.com", "pw")
    admin = Client()
    admin.force_login(staff)
    listing = admin.get(reverse("admin:staging_ledgerentry_changelist")).content.decode()
    assert "A-DRW-608" in listing and "A-DRW-609" in listing
    assert jordan.get_full_name() in listing and "Eli Navarro" in listing
    entry = LedgerEntry.objects.get(batch=theirs)
    found = admin.get(reverse("admin:staging_ledgerentry_changelist"), {"q": entry.sha256}).content.decode()
    assert "A-DRW-608" in found and "A-DRW-609" not in found
    change = reverse("admin:staging_ledgerentry_change", args=[entry.pk])
    assert admin.post(change, {"number": "X-1"}).status_code == 403
    entry.refresh_from_db()
    assert entry.number == "A-DRW-608"


def test_checking_a_whole_batch_asks_by_subquery_not_by_a_list_of_its_documents(eli_at_riverside, stage):
    user, project = eli_at_riverside
    first = services.create_batch(project, user, name="Monday set")
    second = services.create_batch(project, user, name="Tuesday set")
    name, values = drawing(621)
    stage(first, name, values, b"%PDF-1.4 sheet 621")
    counts = []
    for n in range(3):
        stage(second, *drawing(630 + n), f"%PDF-1.4 sheet {630 + n}".encode())
        with CaptureQueriesContext(connection) as captured:
            report = checks.check_batch(second)
        counts.append(len(captured.captured_queries))
        hashes = set(second.documents.values_list("sha256", flat=True))
        assert not any(h in q["sql"] for q in captured.captured_queries for h in hashes)
    assert report.findings == [] and counts[0] == counts[-1]
    stage(second, name, values, b"%PDF-1.4 sheet 621")  # the same file as the Monday set's
    assert kinds(checks.check_batch(second)) == {name: [checks.STAGED_ELSEWHERE]}
