"""Django admin for issue control: the ledger of issued files, decisions, compares, transmittals."""

from __future__ import annotations

from django.contrib import admin

from ..models import IssueDecision, LedgerEntry, RevisionFile, SheetCompare, Transmittal


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = ["file_name", "project", "number", "revision", "version", "source", "issued_by_name", "issued_at"]
    list_filter = ["source", "target", "project"]
    search_fields = ["sha256", "file_name", "number", "name", "revision_id", "container_id"]
    date_hierarchy = "issued_at"
    raw_id_fields = ["batch", "document", "issued_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a record of what happened


@admin.register(IssueDecision)
class IssueDecisionAdmin(admin.ModelAdmin):
    list_display = ["document", "kind", "subject", "decided_by", "decided_at"]
    list_filter = ["kind"]
    search_fields = ["document__file_name", "reason"]
    raw_id_fields = ["document", "decided_by"]


@admin.register(SheetCompare)
class SheetCompareAdmin(admin.ModelAdmin):
    list_display = ["document", "batch", "state", "outcome", "revision_label", "version", "milliseconds", "finished_at"]
    list_filter = ["state", "outcome"]
    search_fields = ["document__file_name", "revision_id"]
    raw_id_fields = ["document", "batch", "requested_by"]


@admin.register(RevisionFile)
class RevisionFileAdmin(admin.ModelAdmin):
    list_display = ["revision_id", "project", "size", "sha256", "fetched_at", "used_at"]
    search_fields = ["revision_id", "sha256"]


@admin.register(Transmittal)
class TransmittalAdmin(admin.ModelAdmin):
    list_display = ["label", "project", "batch", "documents", "complete", "issued_by", "created_at", "emailed_at"]
    list_filter = ["complete", "project"]
    search_fields = ["batch__name"]
    raw_id_fields = ["batch", "issued_by"]
