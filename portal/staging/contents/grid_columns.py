"""What documents' contents add to the batch grid (a column source, see `staging.grid`): a Sheet
column with each document's thumbnail, and on the metadata cells what the title block says where
it differs from the document (amber) or would fill an empty field. A row whose document is still
being read is `pending`, so the grid asks for it again until the reading is done."""

from __future__ import annotations

from typing import Any

from ..grid import GridColumn, GridContext
from ..models import DocumentContents
from .display import SheetInfo
from .review import CONFLICT, FILLS, review

SHEET = "sheet"
# Up to this many rows are read by their ids; more (a whole large batch) by the batch alone, which
# spares the database a list of thousands of ids.
PART = 1000


def any_read(context: GridContext) -> bool:
    """Whether anything of the batch was read (asked once per request: the columns, the rows and the
    batch page's summary all want to know)."""
    if "contents:any" not in context.cache:
        context.cache["contents:any"] = DocumentContents.objects.filter(document__batch=context.batch).exists()
    return bool(context.cache["contents:any"])


class ContentsColumns:
    def columns(self, context: GridContext) -> list[GridColumn]:
        if not any_read(context):
            return []  # nothing was read for this batch: no column of empty pictures
        return [GridColumn(SHEET, "Sheet", "image", width=76, help="Page 1 of the document, as read")]

    def fill(self, context: GridContext, rows: list[dict[str, Any]]) -> None:
        if not any_read(context):
            return
        query = DocumentContents.objects.filter(document__batch=context.batch)
        if len(rows) <= PART:  # some of the batch's rows: read only theirs
            query = query.filter(document_id__in=[row["id"] for row in rows])
        contents = {
            c.document_id: c
            for c in query.select_related("document").defer("document__problems", "document__field_stamps")
        }
        for row in rows:
            found = contents.get(row["id"])
            if found is None:
                continue
            reviews = []
            if context.schema is not None and found.state == DocumentContents.State.DONE:
                reviews = review(found.document, found, context.schema)
            info = SheetInfo(found.document, found, reviews)
            if info.thumbnail_url:
                row["cells"][SHEET] = [info.thumbnail_url]
            if info.reading:
                row["pending"] = True
                row["flags"].append({"field": SHEET, "message": "Reading…", "level": "info"})
            elif found.state in {DocumentContents.State.FAILED, DocumentContents.State.REFUSED}:
                row["flags"].append({"field": SHEET, "message": found.message or "Unreadable", "level": "warning"})
            else:
                note = sheet_note(info)
                if note:
                    row["flags"].append({"field": SHEET, "message": note, "level": "info"})
            for item in reviews:
                if item.status == CONFLICT:
                    row["flags"].append(
                        {"field": item.field.id, "message": f"Title block: {item.proposed}", "level": "warning"}
                    )
                elif item.status == FILLS:
                    row["flags"].append(
                        {"field": item.field.id, "message": f"Title block: {item.proposed}", "level": "info"}
                    )


def sheet_note(info: SheetInfo) -> str:
    """What the Sheet cell says beside (or instead of) its picture, for a document read to the end."""
    contents = info.contents
    assert contents is not None
    parts = []
    if not info.thumbnail_url:
        parts.append("No preview")
    if contents.scanned_pages:
        parts.append(
            f"Scanned: {contents.scanned_pages} of {contents.pages} pages" if contents.pages > 1 else "Scanned"
        )
    elif not info.reviews and contents.fields.get("number"):
        # A folder batch proposes no metadata, so the title block's number is worth saying here.
        parts.append(f"Title block: {contents.fields['number']}")
    elif contents.kind == "pdf" and not contents.fields:
        parts.append("No title block")
    if contents.pages > 1:
        parts.append(f"{contents.pages} pages" + (", split to confirm" if contents.split == "awaiting" else ""))
    return " · ".join(parts)
