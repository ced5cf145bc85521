"""Two sources, one decision: what the title block proposes beside what the document holds.

For every field the title block proposes a value for, the document's value is either the same
("both": the file name, or the person, and the sheet agree), missing (the sheet's value would
fill it), or different — a conflict, flagged until a person accepts the sheet's value or keeps
their own. Nothing here changes metadata on its own; `accept` and `keep` are what people do, and
both are written to the batch's history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from portal.accounts.models import User

from ..edits import EDITABLE_STATES, Conflict, FieldEdit, apply_edits, ensure_editable
from ..models import Batch, DocumentContents, StagedDocument
from ..schema import FieldInfo, Schema, display_value
from ..services import audit
from .proposals import SOURCE

AGREE, FILLS, CONFLICT, KEPT = "both", "fills", "conflict", "kept"


@dataclass
class FieldReview:
    field: FieldInfo
    status: str  # AGREE, FILLS, CONFLICT or KEPT
    current: str  # the document's value, as people read it
    current_source: str  # "file name", "title block" or "" (typed by a person)
    proposed: str  # the title block's value, as people read it
    printed: str  # as printed on the sheet

    @property
    def source_label(self) -> str:
        """Where the document's value came from, in words."""
        if self.status == AGREE:
            return "file name and title block" if self.current_source == "file name" else "both"
        return self.current_source or "typed in"


def _same(info: FieldInfo | None, current: list[str], proposed: list[str]) -> bool:
    if current == proposed:
        return True
    if len(current) != len(proposed):
        return False
    if info is not None and info.type == "timestamp":
        return [v[:10] for v in current] == [v[:10] for v in proposed]
    if info is not None and info.takes_values:
        return False

    def norm(values: list[str]) -> list[str]:
        return [" ".join(v.split()).casefold() for v in values]

    return norm(current) == norm(proposed)


def status_of(
    field_id: str,
    metadata: dict[str, list[str]],
    proposed: dict[str, Any],
    kept: dict[str, Any],
    info: FieldInfo | None = None,
) -> str:
    values = list(proposed.get("values", []))
    current = list(metadata.get(field_id) or [])
    if not current:
        return FILLS
    if _same(info, current, values):
        return AGREE
    return KEPT if kept.get(field_id) == values else CONFLICT


def conflicts(document: StagedDocument, contents: DocumentContents | None) -> list[str]:
    """The field ids whose document value the title block contradicts (and nobody kept)."""
    if contents is None or contents.state != DocumentContents.State.DONE:
        return []
    return [
        field_id
        for field_id, proposed in contents.proposed.items()
        if status_of(field_id, document.metadata, proposed, contents.kept) == CONFLICT
    ]


def _in_field_order(schema: Schema, proposed: dict[str, Any]) -> list[tuple[str, Any]]:
    """The proposals in the project's field order: a JSON column need not keep its keys' order
    (PostgreSQL's jsonb does not), and people read fields in the order the project lists them."""
    order = {f.id: i for i, f in enumerate(schema.fields)}
    return sorted(proposed.items(), key=lambda item: order.get(item[0], len(order)))


def _shown(schema: Schema, info: FieldInfo, values: list[str]) -> str:
    if info.type == "timestamp":  # a date authored is a day: 2026-03-14, not an instant
        return ", ".join(v[:10] for v in values)
    return ", ".join(display_value(schema, info.id, v) for v in values)


def review(document: StagedDocument, contents: DocumentContents, schema: Schema) -> list[FieldReview]:
    rows = []
    for field_id, proposed in _in_field_order(schema, contents.proposed):
        info = schema.fields_by_id.get(field_id)
        if info is None:
            continue  # a field removed from the project since the sheet was read
        current = document.metadata.get(field_id) or []
        source = (document.proposals.get(field_id) or {}).get("source", "")

        rows.append(
            FieldReview(
                field=info,
                status=status_of(field_id, document.metadata, proposed, contents.kept, info),
                current=_shown(schema, info, current),
                current_source=source,
                proposed=_shown(schema, info, list(proposed.get("values", []))),
                printed=str(proposed.get("text", "")),
            )
        )
    return rows


def _editable_with_contents(batch: Batch, ids: Iterable[int] | None) -> list[StagedDocument]:
    documents = batch.documents.filter(
        state__in=EDITABLE_STATES, contents__state=DocumentContents.State.DONE
    ).select_related("contents")
    if ids is not None:
        documents = documents.filter(pk__in=[int(i) for i in ids])
    return list(documents)


@dataclass
class Accepted:
    changed: Counter[str]  # field label → documents changed
    conflicts: list[Conflict]  # fields someone changed after the person read them: not overwritten


@transaction.atomic
def accept(
    batch: Batch,
    user: User,
    schema: Schema,
    *,
    ids: Iterable[int] | None = None,
    field_ids: Iterable[str] | None = None,
    versions: dict[int, int] | None = None,
) -> Accepted:
    """Take the title block's values for the chosen documents (all when `ids` is None) and fields
    (all it proposes when `field_ids` is None), as field-level edits (edits.apply_edits): only
    those fields change, and one someone changed after the person read the document (`versions`:
    document id → the version they read) is not overwritten but returned as a conflict."""
    ensure_editable(batch)
    wanted = set(field_ids) if field_ids is not None else None
    versions = versions or {}
    edits: list[FieldEdit] = []
    printed: dict[tuple[int, str], str] = {}
    by_id: dict[int, StagedDocument] = {}
    for document in _editable_with_contents(batch, ids):
        contents = document.contents
        for field_id, proposed in _in_field_order(schema, contents.proposed):
            info = schema.fields_by_id.get(field_id)
            if info is None or not info.settable or (wanted is not None and field_id not in wanted):
                continue
            if status_of(field_id, document.metadata, proposed, contents.kept, info) == AGREE:
                continue
            edits.append(FieldEdit(document.pk, field_id, list(proposed["values"]), versions.get(document.pk)))
            printed[(document.pk, field_id)] = str(proposed.get("text", ""))
            by_id[document.pk] = document
    result = apply_edits(batch, user, edits, schema, action="Accepted title-block values")
    changed: Counter[str] = Counter()
    touched = []
    kept_changed = []
    for document_id, fields in result.changed.items():
        document = StagedDocument.objects.get(pk=document_id)
        contents = by_id[document_id].contents
        for field_id in fields:
            # apply_edits marks a changed field as a person's; this one came from the title block.
            document.proposals[field_id] = {"source": SOURCE, "text": printed[(document_id, field_id)]}
            contents.kept.pop(field_id, None)
            changed[schema.fields_by_id[field_id].label] += 1
        touched.append(document)
        kept_changed.append(contents)
    StagedDocument.objects.bulk_update(touched, ["proposals"], batch_size=500)
    DocumentContents.objects.bulk_update(kept_changed, ["kept"], batch_size=500)
    return Accepted(changed, result.conflicts)


@transaction.atomic
def keep(batch: Batch, user: User, document: StagedDocument, schema: Schema, field_ids: Iterable[str]) -> int:
    """Keep the document's own values where the title block differs: the conflicts are settled."""
    ensure_editable(batch)
    contents = DocumentContents.objects.select_for_update().get(document=document)
    labels = []
    for field_id in field_ids:
        proposed = contents.proposed.get(field_id)
        if proposed is None:
            continue
        if status_of(field_id, document.metadata, proposed, contents.kept) == CONFLICT:
            contents.kept[field_id] = list(proposed["values"])
            info = schema.fields_by_id.get(field_id)
            labels.append(info.label if info else field_id)
    if labels:
        contents.save(update_fields=["kept", "updated_at"])
        audit(batch, user, "Kept values over the title block", f"{document.file_name}: {', '.join(labels)}")
    return len(labels)
