"""Full and incremental sync of a project against the live sandbox."""

from __future__ import annotations

import pytest

from portal.mirror.models import File, Folder, PdmField, PdmValue, Project, Revision, SyncRun, UploadRule
from portal.mirror.sync import run_sync, start_sync, sync_memberships
from procore_sandbox.documents import ops as documents_ops
from procore_sandbox.models import DocumentFile, DocumentFolder, DocumentRevision
from procore_sandbox.pdm import web_ui as pdm_admin
from procore_sandbox.testing import ELI
from tests.flows import portal_user

pytestmark = pytest.mark.django_db(transaction=True)

RIVERSIDE = 2305


@pytest.fixture
def eli(sandbox):
    user = portal_user(sandbox, ELI)
    sync_memberships(user)
    return user


def sync(user, *, full: bool | None = None) -> SyncRun:
    project = Project.objects.get(pk=RIVERSIDE)
    run = run_sync(start_sync(project, user, full=full).pk)
    assert run.state == SyncRun.State.DONE, run.error
    return run


def sandbox_files() -> set[tuple[int, str]]:
    return set(DocumentFile.objects.filter(project_id=RIVERSIDE, is_deleted=False).values_list("id", "name"))


def test_memberships_follow_what_procore_lists(eli):
    assert list(eli.memberships.values_list("project_id", flat=True)) == [RIVERSIDE]


def test_a_full_sync_mirrors_folders_files_configuration_and_revisions(eli):
    run = sync(eli, full=True)
    assert set(File.objects.filter(project_id=RIVERSIDE).values_list("id", "name")) == sandbox_files()
    live_folders = DocumentFolder.objects.filter(project_id=RIVERSIDE, is_deleted=False).exclude(parent=None)
    assert set(Folder.objects.filter(project_id=RIVERSIDE).values_list("id", flat=True)) == set(
        live_folders.values_list("id", flat=True)
    )
    assert File.objects.filter(project_id=RIVERSIDE, latest_version_number__gte=1).exists()

    assert UploadRule.objects.filter(project_id=RIVERSIDE, qualifiers=[]).count() == 1
    assert UploadRule.objects.filter(project_id=RIVERSIDE).exclude(qualifiers=[]).exists()
    assert set(PdmField.objects.filter(project_id=RIVERSIDE).values_list("name", flat=True)) >= {
        "name",
        "type",
        "status",
        "revision",
    }
    assert PdmValue.objects.filter(field__project_id=RIVERSIDE, field__name="type", code="DRW").exists()

    sandbox_revisions = set(
        DocumentRevision.objects.filter(project_id=RIVERSIDE, recycled_at=None).values_list("id", flat=True)
    )
    assert set(Revision.objects.filter(project_id=RIVERSIDE).values_list("procore_id", flat=True)) == {
        str(i) for i in sandbox_revisions
    }
    assert Revision.objects.filter(project_id=RIVERSIDE).exclude(version=None).exists()
    assert run.api_calls > 0
    project = Project.objects.get(pk=RIVERSIDE)
    assert project.pdm_enabled is True and project.documents_cursor is not None


def test_an_incremental_sync_picks_up_added_renamed_and_deleted_files(eli):
    sync(eli, full=True)
    folder = DocumentFolder.objects.filter(project_id=RIVERSIDE).exclude(parent=None).first()
    added = documents_ops.add_file(folder, "A-DRW-999_New Sheet.pdf", None, content=b"%PDF-1.4 new")
    renamed, deleted = (
        DocumentFile.objects.filter(project_id=RIVERSIDE, is_deleted=False).exclude(id=added.id).order_by("id")[:2]
    )
    documents_ops.rename_file(renamed, "Renamed sheet.pdf")
    documents_ops.recycle_file(deleted)

    run = sync(eli, full=False)
    assert run.kind == SyncRun.Kind.INCREMENTAL
    assert File.objects.get(pk=added.id).name == "A-DRW-999_New Sheet.pdf"
    assert File.objects.get(pk=renamed.id).name == "Renamed sheet.pdf"
    assert not File.objects.filter(pk=deleted.id).exists()
    assert set(File.objects.filter(project_id=RIVERSIDE).values_list("id", "name")) == sandbox_files()
    assert run.items_removed == 1


def test_an_incremental_sync_with_nothing_changed_costs_at_most_three_calls(eli):
    sync(eli, full=True)
    project = Project.objects.get(pk=RIVERSIDE)
    before = File.objects.filter(project=project).count()
    run = run_sync(start_sync(project, None, full=False).pk)
    assert run.state == SyncRun.State.DONE, run.error
    assert run.api_calls <= 3
    assert File.objects.filter(project=project).count() == before


def test_a_deactivated_value_shows_up_once_the_configuration_is_refreshed(eli, settings):
    sync(eli, full=True)
    assert PdmValue.objects.get(field__project_id=RIVERSIDE, field__name="type", code="DRW").active
    pdm_admin.deactivate_value(RIVERSIDE, "type", "DRW")
    settings.MIRROR_CONFIG_MAX_AGE = 0
    project = Project.objects.get(pk=RIVERSIDE)
    run = run_sync(start_sync(project, None, full=False).pk)
    assert run.state == SyncRun.State.DONE, run.error
    assert not PdmValue.objects.get(field__project_id=RIVERSIDE, field__name="type", code="DRW").active


def test_an_incremental_sync_removes_recycled_revisions_and_updates_edited_ones(eli):
    sync(eli, full=True)
    first, second = DocumentRevision.objects.filter(project_id=RIVERSIDE, recycled_at=None).order_by("id")[:2]
    pdm_admin.recycle_revision(str(first.id))
    pdm_admin.update_revision(str(second.id), revision=["Z9"])
    sync(eli, full=False)
    assert not Revision.objects.filter(project_id=RIVERSIDE, procore_id=str(first.id)).exists()
    assert Revision.objects.get(project_id=RIVERSIDE, procore_id=str(second.id)).revision == "Z9"


def test_a_sync_fails_with_a_clear_message_when_procore_refuses(eli, sandbox):
    from django.utils import timezone

    from procore_sandbox.models import AccessToken

    AccessToken.objects.update(revoked_at=timezone.now())
    project = Project.objects.get(pk=RIVERSIDE)
    run = run_sync(start_sync(project, eli).pk)
    assert run.state == SyncRun.State.FAILED
    assert "sign in" in run.error.lower()
