"""What the worker read from documents: their pictures, accepting or keeping title-block values,
and splitting sets (thin views over staging.contents)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.http import AuthenticatedRequest

from .access import get_batch_for_user
from .contents import review, sheets
from .contents.display import sheet_context
from .models import Batch, DocumentContents, StagedDocument
from .schema import load_schema
from .services import BatchLocked

PICTURES = {"thumbnail": "thumbnail", "preview": "preview", "title-block": "title_block_image"}


@login_required
@require_GET
def picture(request: AuthenticatedRequest, batch_id: int, document_id: int, what: str) -> FileResponse:
    batch = get_batch_for_user(request.user, batch_id)
    contents = get_object_or_404(DocumentContents, document_id=document_id, document__batch=batch)
    name = getattr(contents, PICTURES.get(what, ""), "") if what in PICTURES else ""
    if not name:
        raise Http404("No such picture.")
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The picture is no longer stored.") from exc
    response = FileResponse(handle, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _back(request: HttpRequest, batch: Batch) -> str:
    back = request.POST.get("next") or ""
    return back if back.startswith("/") and not back.startswith("//") else reverse("staging:batch", args=[batch.pk])


@login_required
@require_POST
def accept(request: AuthenticatedRequest, batch_id: int) -> HttpResponse:
    """Accept the title block's values: for chosen documents or the whole batch, for one field
    (a column) or all of them."""
    batch = get_batch_for_user(request.user, batch_id)
    if batch.target == Batch.Target.FOLDER:
        messages.info(request, "Title-block values are for Document Management batches.")
        return redirect(_back(request, batch))
    schema = load_schema(batch.project)
    scope = request.POST.get("scope", "selected")
    ids = None if scope == "batch" else [int(i) for i in request.POST.getlist("documents") if i.isdigit()]
    fields = [f for f in request.POST.getlist("accept_field") if f in schema.fields_by_id] or None
    if ids is not None and not ids:
        messages.warning(request, "Select at least one document first, or accept for the whole batch.")
        return redirect(_back(request, batch))
    versions = {
        int(key.partition(":")[2]): int(value)
        for key in request.POST
        if key.startswith("version:")
        and key.partition(":")[2].isdigit()
        and (value := request.POST.get(key, "")).isdigit()
    }
    try:
        accepted = review.accept(batch, request.user, schema, ids=ids, field_ids=fields, versions=versions)
    except BatchLocked as exc:
        messages.error(request, str(exc))
        return redirect(_back(request, batch))
    for conflict in accepted.conflicts[:10]:
        messages.warning(request, conflict.sentence() + ". Accept again to put the title block's value in.")
    changed = accepted.changed
    if changed:
        messages.success(
            request,
            "Title-block values accepted: " + ", ".join(f"{k} on {v} document(s)" for k, v in changed.items()) + ".",
        )
    elif not accepted.conflicts:
        messages.info(request, "Nothing to accept: the documents already hold what their title blocks say.")
    return redirect(_back(request, batch))


@login_required
@require_POST
def keep(request: AuthenticatedRequest, batch_id: int, document_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    document = get_object_or_404(StagedDocument, pk=document_id, batch=batch)
    schema = load_schema(batch.project)
    try:
        fields = request.POST.getlist("keep_field") or list(document.contents.proposed)
        count = review.keep(batch, request.user, document, schema, fields)
    except (BatchLocked, DocumentContents.DoesNotExist) as exc:
        messages.error(request, str(exc) if isinstance(exc, BatchLocked) else "The document has not been read.")
        return redirect(_back(request, batch))
    if count:
        messages.success(request, f"Kept the document's own value for {count} field(s).")
    return redirect(_back(request, batch))


@login_required
@require_POST
def split(request: AuthenticatedRequest, batch_id: int, document_id: int) -> HttpResponse:
    batch = get_batch_for_user(request.user, batch_id)
    document = get_object_or_404(StagedDocument.objects.select_related("contents"), pk=document_id, batch=batch)
    action = request.POST.get("action", "split")
    try:
        if action == "confirm":
            count = sheets.confirm_split(batch, request.user, document)
            messages.success(request, f"{document.file_name} was replaced by its {count} sheet(s).")
            return redirect("staging:batch", batch_id=batch.pk)
        if action == "undo":
            count = sheets.undo_split(batch, request.user, document)
            messages.success(request, f"Removed the {count} sheet(s); {document.file_name} stays as one document.")
        else:
            sheets.request_split(batch, request.user, document)
            messages.success(
                request, f"Splitting {document.file_name} into its sheets. They appear in the batch as they are made."
            )
    except (sheets.CannotSplit, BatchLocked, DocumentContents.DoesNotExist) as exc:
        messages.error(request, str(exc) if not isinstance(exc, DocumentContents.DoesNotExist) else "Not read yet.")
    return redirect("staging:document", batch_id=batch.pk, document_id=document.pk)


@login_required
@require_GET
def sheet_card(request: AuthenticatedRequest, batch_id: int, document_id: int) -> HttpResponse:
    """The document page's "From the sheet" card alone: the page polls it (htmx) while the
    document is being read or split, and it stops asking once there is nothing left to wait for."""
    batch = get_batch_for_user(request.user, batch_id)
    document = get_object_or_404(StagedDocument, pk=document_id, batch=batch)
    schema = None if batch.target == Batch.Target.FOLDER else load_schema(batch.project)
    context = {"batch": batch, "document": document, "folder_target": schema is None, **sheet_context(document, schema)}
    return render(request, "staging/_sheet_card.html", context)
