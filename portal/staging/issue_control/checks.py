"""Warnings about how a staged batch relates to everything issued before, and people's decisions.

For each document not yet sent (`check_batch`):

- the same file was issued before (the ledger, by SHA-256): "revision B of A-DRW-101, issued
  12 Nov 2026 by Dana Whitfield"; under another number or name it would become a second document;
- the same file is staged in another batch of the project (under the same or another name);
- Document Management only — using the mirror's revisions of the document's container, keyed
  like Procore's match criteria by schema.py (the one place that knows them):
  the file is identical to the container's current revision (hash), or the compare found every
  page unchanged; the revision goes backwards, repeats or skips in the sequence inferred from
  the project's history (revision_order.py).

A warning asks for a decision: keep the document (optionally saying why) or remove it; both are
written to the batch's history. A kept warning stays kept while it says the same thing (its
`subject`): a new issue of the file, another revision value, asks again. A repeated revision in a
project that forbids duplicates is an error of validation already, not a warning here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from portal.accounts.models import User
from portal.mirror.models import Revision

from ..access import batches_for_user
from ..edits import ensure_editable
from ..models import Batch, IssueDecision, LedgerEntry, SheetCompare, StagedDocument
from ..schema import Schema, format_keys, load_schema, match_key, revision_container
from ..services import audit, remove_documents
from ..validation import container_label
from . import revision_order
from .ledger import DocumentLabel, document_label, entries_by_hash, hash_of_revision, person_name

ISSUED_BEFORE = "issued_before"
STAGED_ELSEWHERE = "staged_elsewhere"
SAME_AS_CURRENT = "same_as_current"
UNCHANGED = "unchanged_drawing"

TITLES = {
    ISSUED_BEFORE: "Already issued",
    STAGED_ELSEWHERE: "Also staged elsewhere",
    SAME_AS_CURRENT: "Same file as the current revision",
    UNCHANGED: "No visible change",
    revision_order.BACKWARDS: "Revision goes backwards",
    revision_order.REPEAT: "Revision repeats",
    revision_order.SKIP: "Revision skips",
    revision_order.UNEXPECTED: "Revision written differently",
}
# What the checks read of a staged document (not its contents, proposals or problems).
FIELDS = ("id", "batch_id", "file_name", "title", "sha256", "mime_type", "metadata", "state", "rule_id", "position")
# Documents still to be sent: the ones warnings are about.
OPEN_STATES = (StagedDocument.State.READY, StagedDocument.State.ERRORS, StagedDocument.State.FAILED)


@dataclass
class Finding:
    document: StagedDocument
    kind: str
    message: str
    subject: str
    decision: IssueDecision | None = None

    @property
    def title(self) -> str:
        return TITLES.get(self.kind, self.kind)

    @property
    def decided(self) -> bool:
        return self.decision is not None


@dataclass
class Report:
    sequence: revision_order.ProjectSequences | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def open(self) -> list[Finding]:
        return [f for f in self.findings if not f.decided]

    def by_document(self) -> dict[int, list[Finding]]:
        rows: dict[int, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            rows[finding.document.pk].append(finding)
        return dict(rows)

    def counts(self, *, only_open: bool = True) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.open if only_open else self.findings:
            counts[finding.title] = counts.get(finding.title, 0) + 1
        return counts


def _date(entry: LedgerEntry) -> str:
    return f"{entry.issued_at:%-d %b %Y}" if entry.issued_at else "on an unknown date"


def _issued_words(entry: LedgerEntry) -> str:
    what = f"revision {revision_order.normalize(entry.revision)} of " if entry.revision else ""
    where = entry.number or entry.name or entry.file_name
    if entry.number and entry.name:
        where += f" ({entry.name})"
    version = f", version {entry.version}" if entry.version else ""
    by = f" by {entry.issued_by_name}" if entry.issued_by_name else ""
    if entry.target == LedgerEntry.Target.FOLDER:
        return f"“{entry.name or entry.file_name}” in a Documents folder{version}, issued {_date(entry)}{by}"
    return f"{what}{where}{version}, issued {_date(entry)}{by}"


def _renamed(label: DocumentLabel, number: str, name: str) -> bool:
    return bool((number and label.number and number != label.number) or (name and label.name and name != label.name))


def _ledger_findings(document: StagedDocument, label: DocumentLabel, entries: list[LedgerEntry]) -> list[Finding]:
    earlier = [e for e in entries if e.document_id != document.pk]
    if not earlier:
        return []
    latest = earlier[-1]
    message = f"This file was issued before: {_issued_words(latest)}"
    if len(earlier) > 1:
        message += f" (and {len(earlier) - 1} time{'s' if len(earlier) > 2 else ''} before that)"
    if any(_renamed(label, e.number, e.name) for e in earlier):
        second = (
            "a second file in the folder"
            if document.batch.target == Batch.Target.FOLDER
            else "a second document in Procore"
        )
        message += f". It is staged now as {label.title()}: under another number or name it becomes {second}"
    return [Finding(document, ISSUED_BEFORE, message, f"entry {latest.pk}")]


def _staged_findings(
    document: StagedDocument,
    label: DocumentLabel,
    others: Mapping[str, list[tuple[StagedDocument, DocumentLabel]]],
    visible: set[int] | None,
) -> list[Finding]:
    """`visible`: the batches the person reading may see (None: all). Of a batch they may not see
    (someone else's, not shared with them) only its owner is named, never its name or numbers."""
    findings = []
    for other, other_label in others.get(document.sha256, ()):
        if other.pk == document.pk:
            continue
        who = person_name(other.batch.created_by)
        renamed = _renamed(label, other_label.number, other_label.name)
        if visible is not None and other.batch_id not in visible:
            message = "The same file is also staged in a batch of " + (who or "another person") + " in this project"
            if renamed:
                message += ", under another number or name: it would become a second document in Procore"
        elif renamed:
            where = f"batch “{other.batch.name}”" + (f" ({who})" if who else "")
            message = (
                f"The same file is staged in {where} as {other_label.title()}: under another number or name it "
                "would become a second document in Procore"
            )
        else:
            where = f"batch “{other.batch.name}”" + (f" ({who})" if who else "")
            message = f"The same file is also staged in {where} as “{other.file_name}”"
        findings.append(Finding(document, STAGED_ELSEWHERE, message, f"document {other.pk}"))
    return findings


@dataclass
class Container:
    label: str
    revisions: list[dict[str, Any]]  # mirror rows, oldest version first

    @property
    def current(self) -> dict[str, Any] | None:
        return self.revisions[-1] if self.revisions else None


def _match_keys(schema: Schema, document: StagedDocument) -> tuple[str, tuple[str, ...]]:
    """A document's match key and its file format keys (schema.py's match criteria)."""
    return match_key(schema, document.metadata or {}), format_keys(document.file_name, document.mime_type)


def containers_for(
    schema: Schema,
    project,
    documents: Iterable[StagedDocument],
    known_keys: Mapping[int, tuple[str, tuple[str, ...]]] | None = None,
) -> dict[int, Container]:
    """Each PDM document's container in the mirror (its revisions, oldest first), keyed like
    Procore's match criteria; documents with no revision yet are absent. `known_keys`: each
    document's _match_keys, when the caller has worked them out already."""
    documents = list(documents)
    if not documents:
        return {}
    if known_keys is None:
        known_keys = {d.pk: _match_keys(schema, d) for d in documents}
    keys = {d.pk: {(known_keys[d.pk][0], f) for f in known_keys[d.pk][1]} for d in documents}
    number_field = schema.fields_by_name.get("number")
    name_field = schema.fields_by_name.get("name")
    naming = {f.name for f in schema.naming_fields}
    rows = Revision.objects.filter(project=project)
    if not naming or "number" in naming:
        numbers = {v for d in documents for v in (d.metadata or {}).get(number_field.id, [])} if number_field else set()
        names = {v for d in documents for v in (d.metadata or {}).get(name_field.id, [])} if name_field else set()
        rows = rows.filter(Q(number__in=numbers) | Q(name__in=names))
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows.values("procore_id", "container_id", "version", "revision", "fields", "file_format", "name"):
        by_key[revision_container(schema, row)].append(dict(row))
    found = {}
    for document in documents:
        matched = {r["procore_id"]: r for key in keys[document.pk] for r in by_key.get(key, [])}
        if matched:
            revisions = sorted(matched.values(), key=lambda r: (r["version"] or 0, r["procore_id"]))
            found[document.pk] = Container(container_label(document.metadata or {}, schema), revisions)
    return found


def _pdm_findings(
    batch: Batch, documents: list[StagedDocument], schema: Schema, ids: Iterable[int] | QuerySet
) -> tuple[revision_order.ProjectSequences, list[Finding]]:
    project = batch.project
    type_field = schema.fields_by_name.get("type")
    sequences = revision_order.ProjectSequences.infer(
        Revision.objects.filter(project=project).exclude(revision="").values_list("type_value_id", "revision"),
        {v.id: v.label for v in schema.values_by_field.get(type_field.id, [])} if type_field else {},
    )
    matched = {d.pk: _match_keys(schema, d) for d in documents}
    containers = containers_for(schema, project, documents, matched)
    current_ids = [c.current["procore_id"] for c in containers.values() if c.current]
    hashes = hash_of_revision(project, current_ids)
    compares = {
        c.document_id: c for c in SheetCompare.objects.filter(document_id__in=ids, state=SheetCompare.State.DONE)
    }
    rules = {r.id: r for r in schema.rules}
    revision_field = schema.fields_by_name.get("revision")
    staged_so_far: dict[tuple[str, str], list[str]] = defaultdict(list)
    findings: list[Finding] = []
    for document in documents:
        metadata = document.metadata or {}
        container = containers.get(document.pk)
        current = container.current if container else None
        if container is not None and current is not None:
            known = hashes.get(current["procore_id"])
            label = f"{revision_order.normalize(current['revision'])} (version {current['version']})"
            if known and known == document.sha256:
                findings.append(
                    Finding(
                        document,
                        SAME_AS_CURRENT,
                        f"This file is identical to the current revision {label} of {container.label}: nothing changed",
                        f"revision {current['procore_id']}",
                    )
                )
            else:
                compare = compares.get(document.pk)
                if (
                    compare is not None
                    and compare.outcome == SheetCompare.Outcome.UNCHANGED
                    and compare.revision_id == current["procore_id"]
                    and compare.sha256 == document.sha256
                ):
                    findings.append(
                        Finding(
                            document,
                            UNCHANGED,
                            f"Every page looks the same as the current revision {label} of {container.label}",
                            f"revision {current['procore_id']}",
                        )
                    )
        revision = (metadata.get(revision_field.id) or [""])[0] if revision_field else ""
        if not revision:
            continue
        key_of_match, formats = matched[document.pk]
        key = (key_of_match, formats[0] if formats else "")
        history = [r["revision"] for r in (container.revisions if container else []) if r["revision"]]
        type_id = ((metadata.get(type_field.id) or [""])[0] if type_field else "") or ""
        result = revision_order.check_order(
            revision,
            history + staged_so_far[key],
            sequences.for_type(type_id),
            container=container.label if container else container_label(metadata, schema),
        )
        staged_so_far[key].append(revision)
        if result is None:
            continue
        rule = rules.get(document.rule_id)
        if result.kind == revision_order.REPEAT and rule is not None and not rule.allow_duplicate_revisions:
            continue  # validation refuses it already (the project forbids duplicate revisions)
        findings.append(Finding(document, result.kind, result.message, result.subject))
    return sequences, findings


def check_batch(
    batch: Batch, documents: Iterable[StagedDocument] | None = None, *, viewer: User | None = None
) -> Report:
    """Every warning on the batch's documents still to be sent, with the decisions taken; worded
    for `viewer` (what they may not see of other batches is not named)."""
    open_documents = batch.documents.filter(state__in=OPEN_STATES)
    whole = documents is None
    rows = open_documents.only(*FIELDS) if documents is None else documents
    documents = [d for d in rows if d.state in OPEN_STATES]
    if not whole:  # read through batch.documents, each has its batch already
        for document in documents:
            document.batch = batch
    if not documents:
        return Report(None)
    schema = load_schema(batch.project) if batch.target == Batch.Target.DOCUMENT_MANAGEMENT else None
    # For the whole batch, what is looked up by the documents' hashes and ids is asked with a
    # subquery: a list of thousands of values costs more to build and send than the lookup itself.
    hashes: Iterable[str] | QuerySet = open_documents.values("sha256") if whole else {d.sha256 for d in documents}
    ids: Iterable[int] | QuerySet = open_documents.values("pk") if whole else [d.pk for d in documents]
    ledger = entries_by_hash(batch.project, hashes)
    others = list(
        StagedDocument.objects.filter(batch__project=batch.project, sha256__in=hashes)
        .exclude(batch=batch)
        .filter(state__in=OPEN_STATES, batch__state__in=[Batch.State.DRAFT, Batch.State.FAILED])
        .select_related("batch", "batch__created_by")
        .only(
            *FIELDS,
            "batch__name",
            "batch__target",
            "batch__created_by__first_name",
            "batch__created_by__last_name",
            "batch__created_by__username",
        )
    )
    other_schema = schema or (load_schema(batch.project) if others else None)
    other_labels: dict[str, list[tuple[StagedDocument, DocumentLabel]]] = defaultdict(list)
    for other in others:
        other_labels[other.sha256].append((other, document_label(other, other_schema)))
    visible = (
        set(batches_for_user(viewer).filter(pk__in={o.batch_id for o in others}).values_list("pk", flat=True))
        if viewer is not None and others
        else None
    )
    findings: list[Finding] = []
    for document in documents:
        entries = ledger.get(document.sha256, [])
        if not entries and document.sha256 not in other_labels:
            continue  # nothing issued or staged elsewhere: its label is not needed
        label = document_label(document, schema)
        findings += _ledger_findings(document, label, entries)
        findings += _staged_findings(document, label, other_labels, visible)
    sequence = None
    if schema is not None:
        sequence, pdm = _pdm_findings(batch, documents, schema, ids)
        findings += pdm
    decisions = {
        (decision.document_id, decision.kind, decision.subject): decision
        for decision in IssueDecision.objects.filter(document_id__in=ids).select_related("decided_by")
    }
    for finding in findings:
        finding.decision = decisions.get((finding.document.pk, finding.kind, finding.subject))
    order = {d.pk: index for index, d in enumerate(documents)}
    findings.sort(key=lambda f: (order[f.document.pk], f.kind))
    return Report(sequence, findings)


def unreviewed(batch: Batch) -> int:
    """Warnings no one decided about yet (Submit waits for them)."""
    return len(check_batch(batch).open)


# --- decisions ----------------------------------------------------------------------------------


def _find(batch: Batch, document_id: int, kind: str, subject: str) -> Finding | None:
    document = batch.documents.filter(pk=document_id).first()
    if document is None:
        return None
    report = check_batch(batch, [document])
    return next((f for f in report.findings if f.kind == kind and f.subject == subject), None)


def keep(batch: Batch, user: User, document_id: int, kind: str, subject: str, reason: str = "") -> bool:
    """Keep a document despite one warning; False when the warning no longer applies."""
    ensure_editable(batch)
    finding = _find(batch, document_id, kind, subject)
    if finding is None:
        return False
    _decide([finding], user, reason)
    return True


def keep_all(batch: Batch, user: User, reason: str = "") -> int:
    ensure_editable(batch)
    findings = check_batch(batch).open
    _decide(findings, user, reason)
    return len(findings)


def _decide(findings: list[Finding], user: User, reason: str) -> None:
    reason = reason.strip()[:2000]
    for finding in findings:
        if finding.decided:
            continue
        try:
            with transaction.atomic():
                IssueDecision.objects.create(
                    document=finding.document,
                    kind=finding.kind,
                    subject=finding.subject[:300],
                    reason=reason,
                    decided_by=user,
                )
        except IntegrityError:
            continue  # decided meanwhile (two tabs, two people)
        audit(
            finding.document.batch,
            user,
            "Kept a document despite a warning",
            f"{finding.document.file_name}: {finding.title}. {finding.message}."
            + (f" Reason: {reason}" if reason else " No reason given."),
        )


def remove(batch: Batch, user: User, document_ids: Iterable[int], findings_text: Mapping[int, str]) -> int:
    """Remove documents because of their warnings; the warning is written to the history."""
    ids = [int(i) for i in document_ids]
    documents = {d.pk: d.file_name for d in batch.documents.filter(pk__in=ids, state__in=OPEN_STATES)}
    removed = remove_documents(batch, user, documents)
    for pk, name in documents.items():
        audit(batch, user, "Removed a document after a warning", f"{name}: {findings_text.get(pk, '')}")
    return removed
