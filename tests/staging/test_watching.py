"""Pages that many people watch at once do work proportional to what changed or what they show:
the progress poll answers 304 or only the changed rows, an upload finds its twin by one lookup,
a bulk action covers the whole batch in one request, search uses the database's index."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.mirror.models import Company, Project
from portal.staging import services
from portal.staging.models import Batch, StagedDocument, Submission
from portal.staging.pipeline import costs
from portal.staging.pipeline import progress as live
from tests.staging.schemas import fid, make_schema, vid
from tests.staging.test_validation import complete, no_duplicates_schema


@pytest.fixture
def batch(db):
    company = Company.objects.create(id=8090, name="Harbor Civil")
    project = Project.objects.create(id=2307, company=company, name="Harbor Bridge Retrofit")
    return Batch.objects.create(project=project, name="Deck sheets")


def sending(batch: Batch, count: int) -> Submission:
    """`count` documents under way, as a running submission leaves them."""
    StagedDocument.objects.bulk_create(
        [
            StagedDocument(
                batch=batch,
                file=f"staged/{n}",
                file_name=f"S.{n}_Sheet.pdf",
                size=10,
                sha256=f"{n:064x}",
                mime_type="application/pdf",
                position=n,
                state=StagedDocument.State.SUBMITTING,
                step="created",
            )
            for n in range(count)
        ]
    )
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.SUBMITTING)
    batch.refresh_from_db()
    return Submission.objects.create(
        batch=batch,
        documents=count,
        state=Submission.State.RUNNING,
        heartbeat_at=timezone.now() + timedelta(hours=1),  # a live worker; no start time, so no elapsed clock
    )


def test_it_knows_nothing_changed_without_reading_a_document(batch):
    sending(batch, 300)
    first = live.snapshot(batch)
    with CaptureQueriesContext(connection) as captured:
        again = live.snapshot(batch)
    assert again.etag == first.etag and again.documents == 300
    assert len(captured.captured_queries) == 2  # the submission, one aggregate over the documents
    assert all("file_name" not in q["sql"] for q in captured.captured_queries)


def test_it_reads_the_rows_of_3_or_40_documents_in_the_same_queries(batch):
    sending(batch, 40)
    snap = live.snapshot(batch)
    counts = []
    for rows in (3, 40):
        with CaptureQueriesContext(connection) as captured:
            report = live.report(batch, snap, list(live.documents(batch)[:rows]))
        assert len(report["documents"]) == rows
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]  # no query per row (a deferred field read row by row)


def test_it_answers_only_the_documents_changed_since_the_last_look(batch):
    sending(batch, 300)
    # Rows written long ago, and one just before the watcher's last look: that one is sent again
    # (a row committed late may carry a time just before the cursor), the others are not.
    StagedDocument.objects.filter(batch=batch).update(updated_at=timezone.now() - timedelta(minutes=5))
    ids = list(batch.documents.order_by("position").values_list("pk", flat=True))
    StagedDocument.objects.filter(pk=ids[-1]).update(updated_at=timezone.now() - timedelta(minutes=1))
    seen = live.snapshot(batch).etag
    moved = ids[:3]
    StagedDocument.objects.filter(pk__in=moved).update(step="uploaded", updated_at=timezone.now())
    now = live.snapshot(batch)
    assert now.etag != seen
    changed = list(live.documents(batch, live.changed_since(seen)))
    assert sorted(d.pk for d in changed) == [*moved, ids[-1]]
    report = live.report(batch, now, changed)
    assert sorted(row["step"] for row in report["documents"]) == ["Sending file"] + ["Setting metadata"] * 3
    assert report["steps"] == {"Sending file": 297, "Setting metadata": 3} and report["total"] == 300


def test_step_counts_come_from_one_grouped_query(batch):
    sending(batch, 40)
    documents = list(batch.documents.order_by("position"))
    StagedDocument.objects.filter(pk=documents[0].pk).update(state=StagedDocument.State.FAILED)
    StagedDocument.objects.filter(pk=documents[1].pk).update(state=StagedDocument.State.SUBMITTED)
    StagedDocument.objects.filter(pk=documents[2].pk).update(
        state=StagedDocument.State.SUBMITTED, landed_at=timezone.now()
    )
    with CaptureQueriesContext(connection) as captured:
        counts = live.step_counts(batch)
    assert len(captured.captured_queries) == 1
    assert counts == {"Sending file": 37, "Needs attention": 1, "Landed": 1, "Submitted": 1}
    full = live.full(batch)
    assert sum(full["steps"].values()) == len(full["documents"]) == 40


@dataclass
class Proposal:
    metadata: dict
    sources: dict
    unmatched: list


def proposed(name: str, schema) -> Proposal:
    """S.<number>_Deck_Rev <revision>.pdf, complete but for what the name says."""
    number = name.split("_")[0].removeprefix("S.")
    return Proposal(complete(number=[number], revision=["Rev " + name.split("Rev ")[1][0]]), {}, [])


def _upload(batch: Batch, n: int, revision: str, schema, copy: int = 0) -> StagedDocument:
    return services.record_document(
        batch,
        None,
        name=f"S.{n}_Deck_Rev {revision}.pdf",
        key=f"staged/{n}/{copy}",
        size=10,
        sha256=f"{n:060x}{copy:04x}",
        mime_type="application/pdf",
        schema=schema,
    )


def test_an_upload_finds_its_twin_with_a_lookup_not_a_batch_check(batch, monkeypatch):
    schema = no_duplicates_schema(revisions=[])
    monkeypatch.setattr("portal.staging.services.queue_reading", lambda *a, **k: None)
    monkeypatch.setattr("portal.staging.services.propose", proposed)
    first = _upload(batch, 201, "B", schema)
    assert first.state == "ready" and first.revision_key
    counts = []
    for n in range(300, 340):
        with CaptureQueriesContext(connection) as captured:
            _upload(batch, n, "B", schema)
        counts.append(len(captured.captured_queries))
    assert max(counts) == min(counts)  # the 1st and the 40th upload do the same work
    twin = _upload(batch, 201, "B", schema, copy=1)  # S.201 Rev B again, other bytes
    assert twin.state == "errors"
    assert twin.problems[-1] == {
        "field": fid("revision"),
        "message": "Revision B of S-201 is also on “S.201_Deck_Rev B.pdf” in this batch, "
        "and this project does not allow duplicate revisions",
    }
    first.refresh_from_db()
    assert first.state == "ready"  # the one before it is not affected
    # A whole-batch check agrees with what the lookups decided.
    from portal.staging.validation import revalidate_batch

    changed: set[int] = set()
    revalidate_batch(batch, schema, changed_ids=changed)
    assert changed == set()


def test_documents_in_scope_are_the_whole_batch_its_errors_or_a_name(batch):
    schema = make_schema()
    StagedDocument.objects.bulk_create(
        [
            StagedDocument(
                batch=batch,
                file=f"staged/{n}",
                file_name=f"{'A' if n % 2 else 'S'}-{n}.pdf",
                size=10,
                sha256=f"{n:064x}",
                mime_type="application/pdf",
                position=n,
                metadata=complete(status=[] if n % 3 else [vid("status", "OPN")]),
            )
            for n in range(30)
        ]
    )
    from portal.staging.validation import revalidate_batch

    revalidate_batch(batch, schema)
    assert len(services.documents_in_scope(batch, "batch")) == 30
    assert len(services.documents_in_scope(batch, "errors")) == 20
    assert len(services.documents_in_scope(batch, "name", "a-")) == 15
    assert services.documents_in_scope(batch, "name", " ") == []
    assert services.documents_in_scope(batch, "other") == []


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)  # VACUUM runs outside a transaction
def test_search_of_files_uses_the_trigram_indexes(batch):
    from portal.mirror.browse import folder_view
    from portal.mirror.models import File

    File.objects.bulk_create(
        [
            File(id=n, company=batch.project.company, project=batch.project, name=f"Sheet {n:05}.pdf")
            for n in range(1, 5001)
        ]
        + [File(id=9000, company=batch.project.company, project=batch.project, name="Deck plan.pdf")]
    )
    files = folder_view(batch.project, None, "deck", "name", 1).files
    assert [f.name for f in files] == ["Deck plan.pdf"]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE mirror_file")  # as autovacuum leaves a table after a sync
        sql, params = files.paginator.object_list.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "mirror_file_name_trgm" in plan and "mirror_file_path_trgm" in plan


def test_one_request_sets_a_field_on_every_document_of_the_batch(
    person_client, stage, riverside_field, riverside_value
):
    batch = stage([f"A-DRW-{n:04}_Plan_Rev B.pdf" for n in range(250)])
    status = riverside_field("status")
    answer = person_client.post(
        f"/batches/{batch.pk}/documents/", {"action": "set", "scope": "batch", "field": status, "value": "OPN"}
    )
    assert answer.status_code == 302
    values = {tuple(d.metadata.get(status, [])) for d in batch.documents.all()}
    assert values == {(riverside_value("status", "OPN"),)}
    assert batch.audit.filter(action="Set a field", detail__contains="on 250 document(s)").exists()


def test_the_progress_poll_is_a_304_until_something_changes_then_only_the_changed_rows(person_client, stage):
    batch = stage([f"A-DRW-{n:04}_Plan_Rev B.pdf" for n in range(120)])
    submission = sending_existing(batch)
    url = f"/batches/{batch.pk}/progress/"
    page = person_client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and page.count('id="document-') == 100  # the first page
    cursor = live.snapshot(batch).etag
    headers = re.search(r"id=\"progress-poll\"[^>]*hx-headers='([^']*)'", page)
    assert headers and json.loads(headers.group(1)) == {"If-None-Match": cursor}  # what the page shows
    htmx = {"HX-Request": "true"}

    idle = person_client.get(url, headers={**htmx, "If-None-Match": cursor})
    assert idle.status_code == 304 and idle.content == b"" and idle["ETag"] == cursor
    assert person_client.get(f"/batches/{batch.pk}/progress.json", headers={"If-None-Match": cursor}).status_code == 304

    StagedDocument.objects.filter(batch=batch).update(updated_at=timezone.now() - timedelta(minutes=5))
    last = batch.documents.order_by("position").last()
    StagedDocument.objects.filter(pk=last.pk).update(updated_at=timezone.now() - timedelta(minutes=1))
    cursor = live.snapshot(batch).etag  # only `last` (on page 2) is within the cursor's overlap
    one = batch.documents.order_by("position").first()
    StagedDocument.objects.filter(pk=one.pk).update(step="uploaded", updated_at=timezone.now())
    delta = person_client.get(url, headers={**htmx, "If-None-Match": cursor})
    body = delta.content.decode()
    assert delta.status_code == 200 and delta["ETag"] != cursor
    assert (
        body.count('id="document-') == 1 and f'id="document-{one.pk}" data-document-id="{one.pk}" hx-swap-oob' in body
    )
    assert 'id="progress-summary"' in body and 'id="progress-poll"' in body
    report = person_client.get(f"/batches/{batch.pk}/progress.json", headers={"If-None-Match": cursor}).json()
    assert report["delta"] is True and [row["id"] for row in report["documents"]] == [one.pk, last.pk]

    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.DONE, finished_at=timezone.now())
    ended = person_client.get(url, headers={**htmx, "If-None-Match": delta["ETag"]})
    assert ended["HX-Refresh"] == "true"


def sending_existing(batch: Batch) -> Submission:
    batch.documents.update(state=StagedDocument.State.SUBMITTING, step="created")
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.SUBMITTING)
    batch.refresh_from_db()
    return Submission.objects.create(
        batch=batch,
        documents=batch.documents.count(),
        state=Submission.State.RUNNING,
        heartbeat_at=timezone.now() + timedelta(hours=1),  # a live worker; no start time, so no elapsed clock
    )


def test_the_progress_page_shows_a_page_of_rows_and_its_poll_answers_for_that_page(person_client, stage):
    batch = stage([f"A-DRW-{n:04}_Plan_Rev B.pdf" for n in range(250)])
    sending_existing(batch)
    StagedDocument.objects.filter(batch=batch).update(updated_at=timezone.now() - timedelta(minutes=5))
    url = f"/batches/{batch.pk}/progress/"
    first = person_client.get(url).content.decode()
    assert first.count('id="document-') == 100 and "Documents 1–100 of 250" in first
    last = person_client.get(url, {"page": 3}).content.decode()
    assert last.count('id="document-') == 50 and f'hx-get="{url}?page=3"' in last
    assert '<span class="muted">Sending file</span> <strong>250</strong>' in last  # the counts cover every page

    ids = list(batch.documents.order_by("position").values_list("pk", flat=True))
    StagedDocument.objects.filter(pk=ids[-1]).update(updated_at=timezone.now() - timedelta(minutes=1))
    cursor = live.snapshot(batch).etag  # only the last row (page 3) is within the cursor's overlap
    StagedDocument.objects.filter(pk__in=[ids[0], ids[150]]).update(step="uploaded", updated_at=timezone.now())
    delta = person_client.get(f"{url}?page=2", headers={"HX-Request": "true", "If-None-Match": cursor})
    body = delta.content.decode()
    assert body.count('id="document-') == 1 and f'id="document-{ids[150]}"' in body  # not page 1's row
    assert f'hx-get="{url}?page=2"' in body


def test_the_calls_left_of_a_companys_submissions_are_counted_in_one_query(batch):
    submissions = [sending(batch, 30)]
    for n, step in enumerate(["pending", "uploaded"]):
        other = Batch.objects.create(project=batch.project, name=f"Other {n}")
        submission = sending(other, 120 + n)
        StagedDocument.objects.filter(batch=other, position__lt=50).update(step=step)
        submissions.append(submission)
    submissions = list(Submission.objects.filter(pk__in=[s.pk for s in submissions]).select_related("batch"))
    with CaptureQueriesContext(connection) as captured:
        left = costs.calls_left_each(submissions)
    assert len(captured.captured_queries) == 1
    assert left == {s.pk: costs.calls_left(s) for s in submissions}
    assert len(set(left.values())) == 3


def test_everyone_watching_a_run_gets_one_rendering_of_each_step(person_client, riverside_person, stage):
    batch = stage([f"A-DRW-{n:04}_Plan_Rev B.pdf" for n in range(30)])
    sending_existing(batch)
    StagedDocument.objects.filter(batch=batch).update(updated_at=timezone.now() - timedelta(minutes=5))
    last = batch.documents.order_by("position").last()
    StagedDocument.objects.filter(pk=last.pk).update(updated_at=timezone.now() - timedelta(minutes=1))
    url = f"/batches/{batch.pk}/progress/"
    cursor = live.snapshot(batch).etag  # only `last` is within the cursor's overlap
    moved = list(batch.documents.order_by("position")[:3])
    StagedDocument.objects.filter(pk__in=[d.pk for d in moved]).update(step="uploaded", updated_at=timezone.now())
    other_tab = Client()
    other_tab.force_login(riverside_person)
    htmx = {"HX-Request": "true", "If-None-Match": cursor}

    with CaptureQueriesContext(connection) as first_watcher:
        first = person_client.get(url, headers=htmx)
    with CaptureQueriesContext(connection) as second_watcher:
        second = other_tab.get(url, headers=htmx)

    assert first.status_code == second.status_code == 200 and first["ETag"] == second["ETag"] != cursor
    assert first.content == second.content and first.content.decode().count('id="document-') == 4
    read_rows = [
        q["sql"] for q in second_watcher.captured_queries if '"staging_stageddocument"."file_name"' in q["sql"]
    ]
    assert not read_rows, "the second watcher's answer was rendered again"
    assert len(second_watcher.captured_queries) < len(first_watcher.captured_queries)

    # The next step is new: it is read and rendered again, for whoever asks first.
    StagedDocument.objects.filter(pk=moved[0].pk).update(step="completed", updated_at=timezone.now())
    third = other_tab.get(url, headers={"HX-Request": "true", "If-None-Match": second["ETag"]})
    assert third.status_code == 200 and third.content.decode().count('id="document-') >= 1
    assert third["ETag"] != second["ETag"]


def test_a_finished_runs_rows_with_forms_are_never_shared(person_client, stage):
    """Rows of a stopped run offer Retry forms, which carry the person's own CSRF token."""
    batch = stage([f"A-DRW-{n:04}_Plan_Rev B.pdf" for n in range(3)])
    sending_existing(batch)
    Batch.objects.filter(pk=batch.pk).update(state=Batch.State.FAILED)
    StagedDocument.objects.filter(batch=batch).update(state=StagedDocument.State.FAILED, message="Procore said no")
    cursor = live.snapshot(batch).etag
    StagedDocument.objects.filter(batch=batch).update(updated_at=timezone.now() + timedelta(seconds=1))
    htmx = {"HX-Request": "true", "If-None-Match": cursor}
    answers = [person_client.get(f"/batches/{batch.pk}/progress/", headers=htmx) for _ in range(2)]
    assert all(a.status_code == 200 and "Retry" in a.content.decode() for a in answers)
    with CaptureQueriesContext(connection) as again:
        person_client.get(f"/batches/{batch.pk}/progress/", headers=htmx)
    assert any('"staging_stageddocument"."file_name"' in q["sql"] for q in again.captured_queries)


def test_the_creator_of_a_batch_is_let_in_with_one_query_and_not_once_out_of_its_project(
    person_client, riverside_person, stage
):
    from portal.mirror.models import Membership
    from portal.staging.access import get_batch_for_user

    batch = stage(["A-DRW-0001_Plan_Rev B.pdf"])
    with CaptureQueriesContext(connection) as asked:
        assert get_batch_for_user(riverside_person, batch.pk) == batch
    assert len(asked.captured_queries) == 1
    Membership.objects.filter(user=riverside_person, project_id=batch.project_id).delete()  # left the project
    assert person_client.get(f"/batches/{batch.pk}/").status_code == 404
    assert person_client.get(f"/batches/{batch.pk}/progress/").status_code == 404
