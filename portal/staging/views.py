from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts.http import AuthenticatedRequest
from portal.mirror.access import get_project_for_user
from portal.mirror.tasks import latest_sync

from . import services
from .access import batches_for_user, ensure_owner, get_batch_for_user, is_owner
from .contents.display import NOTHING_READ, batch_summary, sheet_context
from .contents.grid_columns import any_read
from .csv_io import export_csv, import_csv
from .edits import Conflict, FieldEdit, apply_edits
from .estimate import estimate_context
from .folder_target import existing_files, landing, target_label
from .forms import BatchForm, document_fields, editable_fields, form_edits
from .grid import grid_for
from .models import Batch, MetadataTemplate, StagedDocument
from .persons import person_choices
from .schema import load_schema
from .uploads import human_size, max_file_size
from .validation import parse_input
from .views_grid import first_rows


@login_required
@require_GET
def all_batches(request: AuthenticatedRequest) -> HttpResponse:
    batches = list(batches_for_user(request.user).select_related("project", "created_by").order_by("-created_at")[:200])
    return render(request, "staging/batches.html", {"batches": batches, "counts": services.batch_counts(batches)})


@login_required
@require_http_methods(["GET", "POST"])
def project_batches(request: AuthenticatedRequest, project_id: int) -> HttpResponse:
    project = get_project_for_user(request.user, project_id)
    form = BatchForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        batch = services.create_batch(
            project,
            request.user,
            name=form.cleaned_data["name"],
            note=form.cleaned_data["note"],
            **form.target_fields(),
        )
        messages.success(request, f"Batch “{batch.name}” created. Add files to it.")
        return redirect("staging:batch", batch_id=batch.pk)
    batches = list(batches_for_user(request.user).filter(project=project).select_related("created_by"))
    return render(
        request,
        "staging/project_batches.html",
        {
            "project": project,
            "tab": "batches",
            "last_sync": latest_sync(project, request.user),
            "form": form,
            "batches": batches,
            "counts": services.batch_counts(batches),
        },
    )


@login_required
@require_GET
def batch_detail(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    """The batch page; it carries the grid's first rows, the grid reads the others from
    `views_grid.grid_data`."""
    batch = get_batch_for_user(request.user, batch_id)
    counts = services.batch_counts([batch]).get(batch.pk, {})
    total = sum(counts.values())
    # Read once for the whole page: the grid, the person pickers and the Submit form's people.
    schema = load_schema(batch.project)
    grid = grid_for(batch, schema)
    return render(
        request,
        "staging/batch.html",
        {
            "batch": batch,
            "project": batch.project,
            "counts": counts,
            "total": total,
            **first_rows(request.user, grid, total),
            "can_submit": bool(counts) and set(counts) == {StagedDocument.State.READY},
            "audit": batch.audit.select_related("user")[:15],
            "is_owner": is_owner(request.user, batch),
            "shares": list(batch.shares.all()),
            **estimate_context(batch, documents=total),
            "max_file_size": max_file_size(),
            "max_file_size_label": human_size(max_file_size()),
            "people": person_choices(schema),
            "people_note": schema.people.note,
            "project_people": schema.people,
            "contents_summary": batch_summary(batch) if any_read(grid) else NOTHING_READ,
            "folder_target": target_label(batch) if batch.target == Batch.Target.FOLDER else "",
            # Fields a template may keep ("Save a template") or title blocks may fill ("Accept").
            "settable": [] if batch.target == Batch.Target.FOLDER else editable_fields(schema),
            "upload_part_size": settings.STAGING_UPLOAD_PART_SIZE,
        },
    )


def _versions(request: HttpRequest) -> dict[int, int]:
    """The version of each document the page showed (``version:<id>`` inputs of the grid)."""
    versions = {}
    for key in request.POST:
        name, _, document_id = key.partition(":")
        value = request.POST.get(key, "")
        if name == "version" and document_id.isdigit() and value.isdigit():
            versions[int(document_id)] = int(value)
    return versions


def _report(request: HttpRequest, result: services.EditResult, done: str) -> None:
    """Tell the person what a bulk action changed, and every value it did not overwrite."""
    if result.documents_changed or not result.conflicts:
        messages.success(request, f"{done} {result.documents_changed} document(s).")
    for conflict in result.conflicts[:10]:
        messages.warning(request, conflict.sentence() + ". Not changed: set it again to use yours.")
    if len(result.conflicts) > 10:
        messages.warning(request, f"…and {len(result.conflicts) - 10} more values changed by others were kept.")


@login_required
@require_POST
def bulk_action(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    schema = load_schema(batch.project)
    ids = [int(i) for i in request.POST.getlist("documents") if i.isdigit()]
    scope = request.POST.get("scope", "")
    if scope in services.SCOPES:  # every document of the batch (or of a filter), in one request
        ids = services.documents_in_scope(batch, scope, request.POST.get("name_contains", ""))
    versions = _versions(request)
    action = request.POST.get("action", "")
    back = request.POST.get("next") or reverse("staging:batch", args=[batch.pk])
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("staging:batch", args=[batch.pk])
    try:
        if action in {"set", "copy_down", "template", "remove"} and not ids:
            messages.warning(
                request, "No document matches." if scope in services.SCOPES else "Select at least one document first."
            )
        elif action in {"set", "copy_down"} and batch.target == Batch.Target.FOLDER:
            _folder_detail_action(request, batch, ids, action, versions)
        elif action == "set":
            field = schema.fields_by_id.get(request.POST.get("field", ""))
            if field is None:
                messages.error(request, "Choose a field to set.")
            else:
                try:
                    values = parse_input(field, request.POST.get("value", ""), schema)
                except ValueError as exc:
                    messages.error(request, str(exc))
                else:
                    result = services.set_field(batch, request.user, ids, field.id, values, schema, versions)
                    _report(request, result, f"{field.label} set on")
        elif action == "copy_down":
            field = schema.fields_by_id.get(request.POST.get("field", ""))
            if field is None:
                messages.error(request, "Choose the field to copy down.")
            else:
                result = services.copy_down(batch, request.user, ids, field.id, schema, versions)
                _report(request, result, f"{field.label} copied to")
        elif action == "template":
            template = get_object_or_404(MetadataTemplate, pk=request.POST.get("template") or 0, project=batch.project)
            result = services.apply_template(batch, request.user, template, ids, schema, versions)
            _report(request, result, f"Template “{template.name}” applied to")
        elif action == "remove":
            count = services.remove_documents(batch, request.user, ids)
            messages.success(request, f"Removed {count} document(s).")
        else:
            messages.error(request, "Unknown action.")
    except services.BatchLocked as exc:
        messages.error(request, str(exc))
    return redirect(back)


def _folder_detail_action(
    request: AuthenticatedRequest, batch: Batch, ids: list[int], action: str, versions: dict[int, int]
) -> None:
    """Set, or copy down, the name or description of documents going to a folder."""
    field = request.POST.get("field", "")
    if field not in {"title", "description"}:
        messages.error(request, "Choose Name or Description.")
        return
    if action == "copy_down":
        first = batch.documents.filter(pk=ids[0]).first()
        value = (getattr(first, field) or (first.file_name if field == "title" else "")) if first else ""
        ids = ids[1:]
    else:
        value = request.POST.get("value", "")
    result = services.set_folder_detail(batch, request.user, ids, field, value, versions)
    label = "Name" if field == "title" else "Description"
    _report(request, result, f"{label} {'copied to' if action == 'copy_down' else 'set on'}")


def _base_version(request: HttpRequest) -> int | None:
    raw = request.POST.get("base_version", "")
    return int(raw) if raw.isdigit() else None


def _neighbours(document: StagedDocument) -> dict[str, Any]:
    """The previous and next documents in the batch's order, and where this one stands."""
    siblings = document.batch.documents.order_by("position", "id")
    before = siblings.filter(Q(position__lt=document.position) | Q(position=document.position, id__lt=document.pk))
    after = siblings.filter(Q(position__gt=document.position) | Q(position=document.position, id__gt=document.pk))
    return {
        "previous": before.order_by("-position", "-id").only("id", "file_name").first(),
        "next": after.only("id", "file_name").first(),
        "index": before.count() + 1,
        "count": siblings.count(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def document_detail(request: AuthenticatedRequest, batch_id: int, document_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    document = get_object_or_404(StagedDocument.objects.select_related("batch"), pk=document_id, batch=batch)
    if batch.target == Batch.Target.FOLDER:
        return _folder_document(request, batch, document)
    schema = load_schema(batch.project)
    errors: dict[str, str] = {}
    conflicts: dict[str, Conflict] = {}
    if request.method == "POST":
        changed, errors = form_edits(request.POST, document, schema)
        if not errors:
            try:
                result = services.set_document_fields(
                    batch, request.user, document, changed, schema, _base_version(request)
                )
            except services.BatchLocked as exc:
                messages.error(request, str(exc))
            else:
                saved = len(result.changed.get(document.pk, []))
                if result.conflicts:
                    conflicts = {c.field_id: c for c in result.conflicts}
                    messages.warning(
                        request,
                        (f"Saved {saved} field(s). " if saved else "")
                        + f"{len(conflicts)} field(s) were changed by someone else after you opened this page: "
                        "choose below which value to keep.",
                    )
                else:
                    messages.success(
                        request,
                        f"Saved {document.file_name}: {saved} field(s) changed." if saved else "Nothing changed.",
                    )
                    target = request.POST.get("then") == "next" and _neighbours(document)["next"]
                    return redirect("staging:document", batch_id=batch.pk, document_id=(target or document).pk)
            document.refresh_from_db()
    fields = document_fields(document, schema, request.POST if (errors or conflicts) else None, errors, conflicts)
    return render(
        request,
        "staging/document.html",
        {
            "batch": batch,
            "project": batch.project,
            "document": document,
            "errors": errors,
            "conflicts": list(conflicts.values()),
            "fields": fields,
            "groups": {g: [f for f in fields if f.group == g] for g in ("required", "optional", "placeholder")},
            "base_version": _base_version(request) if errors else document.metadata_version,
            "people": person_choices(schema),
            "people_note": schema.people.note,
            **_neighbours(document),
            **sheet_context(document, schema),
        },
    )


def _folder_document(request: AuthenticatedRequest, batch: Batch, document: StagedDocument) -> HttpResponse:
    if request.method == "POST":
        base = _base_version(request)
        edits = [
            FieldEdit(document.pk, name, [request.POST.get(name, "")], base)
            for name in ("title", "description")
            if request.POST.get(name, "").strip() != request.POST.get(f"was:{name}", "").strip()
        ]
        try:
            result = apply_edits(batch, request.user, edits, None, action="Edited a document")
        except services.BatchLocked as exc:
            messages.error(request, str(exc))
        else:
            if result.conflicts:
                for conflict in result.conflicts:
                    messages.warning(request, conflict.sentence() + ". Yours was not saved; enter it again to keep it.")
            else:
                messages.success(request, f"Saved {document.file_name}.")
        return redirect("staging:document", batch_id=batch.pk, document_id=document.pk)
    return render(
        request,
        "staging/document_folder.html",
        {
            "batch": batch,
            "project": batch.project,
            "document": document,
            "target": target_label(batch),
            "landing": landing(document, batch, existing_files(batch)),
            "base_version": document.metadata_version,
            **_neighbours(document),
            **sheet_context(document, None),
        },
    )


@login_required
@require_GET
def export(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    if batch.target == Batch.Target.FOLDER:
        messages.info(request, "CSV export is for Document Management batches; edit names in the grid.")
        return redirect("staging:batch", batch_id=batch.pk)
    use_codes = request.GET.get("values") == "codes"
    response = HttpResponse(
        export_csv(batch, load_schema(batch.project), use_codes=use_codes), content_type="text/csv; charset=utf-8"
    )
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in batch.name)[:60] or "batch"
    response["Content-Disposition"] = f'attachment; filename="{safe}-{batch.pk}.csv"'
    return response


@login_required
@require_POST
def import_metadata(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    upload_file = request.FILES.get("csv")
    if batch.target == Batch.Target.FOLDER:
        messages.info(request, "CSV import is for Document Management batches; edit names in the grid.")
        return redirect("staging:batch", batch_id=batch.pk)
    if upload_file is None:
        messages.error(request, "Choose a CSV file to import.")
        return redirect("staging:batch", batch_id=batch.pk)
    if (upload_file.size or 0) > settings.STAGING_MAX_CSV_SIZE:
        messages.error(request, "The CSV file is too large to import.")
        return redirect("staging:batch", batch_id=batch.pk)
    try:
        services.ensure_editable(batch)
        text = upload_file.read().decode("utf-8-sig")
    except services.BatchLocked as exc:
        messages.error(request, str(exc))
        return redirect("staging:batch", batch_id=batch.pk)
    except UnicodeDecodeError:
        messages.error(request, "The CSV file is not UTF-8 text. Save it as “CSV UTF-8” and import it again.")
        return redirect("staging:batch", batch_id=batch.pk)
    replace_newer = request.POST.get("replace_newer") == "1"
    errors = import_csv(batch, text, load_schema(batch.project), request.user, replace_newer=replace_newer)
    if errors:
        return render(
            request,
            "staging/import_errors.html",
            {
                "batch": batch,
                "project": batch.project,
                "errors": errors,
                "only_newer": not replace_newer and all(e.changed_since_export for e in errors),
            },
            status=400,
        )
    messages.success(request, "Metadata imported from the CSV file.")
    return redirect("staging:batch", batch_id=batch.pk)


@login_required
@require_POST
def save_template(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    schema = load_schema(batch.project)
    name = request.POST.get("name", "").strip()
    source = batch.documents.filter(pk=request.POST.get("document") or 0).first()
    field_ids = [f for f in request.POST.getlist("fields") if f in schema.fields_by_id]
    if not name or source is None or not field_ids:
        messages.error(request, "Name the template, and choose a document and the fields to keep.")
    else:
        values = {f: source.metadata[f] for f in field_ids if source.metadata.get(f)}
        template = services.save_template(batch.project, request.user, name, values)
        services.audit(batch, request.user, "Saved a template", f"“{template.name}” from {source.file_name}")
        messages.success(request, f"Template “{template.name}” saved for the project's team.")
    return redirect("staging:batch", batch_id=batch.pk)


@login_required
@require_POST
def empty(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    try:
        count = services.empty_batch(batch, request.user)
        messages.success(request, f"Removed all {count} document(s) from the batch.")
    except services.BatchLocked as exc:
        messages.error(request, str(exc))
    return redirect("staging:batch", batch_id=batch.pk)


@login_required
@require_POST
def delete(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    ensure_owner(request.user, batch)
    try:
        services.delete_batch(batch, request.user)
    except services.BatchLocked as exc:
        messages.error(request, str(exc))
        return redirect("staging:batch", batch_id=batch.pk)
    messages.success(request, f"Deleted the batch “{batch.name}”.")
    return redirect("staging:project_batches", project_id=batch.project_id)
