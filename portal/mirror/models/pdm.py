"""The mirror of each project's Document Management configuration and revisions."""

from __future__ import annotations

from django.db import models

from .core import Project


class PdmField(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="pdm_fields")
    procore_id = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    label = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=30)
    variant = models.CharField(max_length=60, blank=True)
    position = models.CharField(max_length=30, blank=True)
    active = models.BooleanField(default=True)
    visible = models.BooleanField(default=True)
    readonly = models.BooleanField(default=False)
    custom_field_definition_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["position", "label"]
        constraints = [models.UniqueConstraint(fields=["project", "procore_id"], name="mirror_pdm_field_once")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_custom(self) -> bool:
        return bool(self.custom_field_definition_id)

    @property
    def has_values(self) -> bool:
        """Values are chosen from a list (ids), not typed in."""
        return self.type in {"lov_entry", "lov_entries", "reference"}


class PdmValue(models.Model):
    field = models.ForeignKey(PdmField, on_delete=models.CASCADE, related_name="values")
    procore_id = models.CharField(max_length=64)
    code = models.CharField(max_length=100, blank=True)
    label = models.CharField(max_length=255)
    active = models.BooleanField(default=True)
    tags = models.JSONField(default=list, blank=True)
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]
        constraints = [models.UniqueConstraint(fields=["field", "procore_id"], name="mirror_pdm_value_once")]

    def __str__(self) -> str:
        return f"{self.code} – {self.label}" if self.code else self.label


class NamingStandard(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="naming_standards")
    procore_id = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    # Field ULIDs in the order the standard lists them.
    field_ids = models.JSONField(default=list)
    procore_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "procore_id"], name="mirror_naming_standard_once")]

    def __str__(self) -> str:
        return self.name


class UploadRule(models.Model):
    """One upload requirement: the default rule (no qualifiers) or a conditional one."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="upload_rules")
    procore_id = models.CharField(max_length=64)
    position = models.IntegerField(default=0)
    naming_standard = models.ForeignKey(NamingStandard, null=True, blank=True, on_delete=models.SET_NULL)
    required_by_project = models.JSONField(default=list)  # field ULIDs
    additional_required = models.JSONField(default=list)  # field ULIDs
    # [{"field_id": ULID, "value_ids": [ULID, ...]}]: the rule applies when every qualifier matches.
    qualifiers = models.JSONField(default=list)
    allow_duplicate_revisions = models.BooleanField(default=True)
    procore_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["project", "procore_id"], name="mirror_upload_rule_once")]

    def __str__(self) -> str:
        return "Default rule" if self.is_default else f"Conditional rule {self.position}"

    @property
    def is_default(self) -> bool:
        return not self.qualifiers

    @property
    def required_field_ids(self) -> list[str]:
        seen: list[str] = []
        for field_id in [*self.required_by_project, *self.additional_required]:
            if field_id not in seen:
                seen.append(field_id)
        return seen


class Revision(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="revisions")
    procore_id = models.CharField(max_length=64)
    container_id = models.CharField(max_length=64, blank=True, db_index=True)
    version = models.IntegerField(null=True, blank=True)
    name = models.CharField(max_length=255, blank=True)
    number = models.CharField(max_length=100, blank=True)
    revision = models.CharField(max_length=100, blank=True)
    type_value_id = models.CharField(max_length=64, blank=True)
    type_label = models.CharField(max_length=255, blank=True)
    status_value_id = models.CharField(max_length=64, blank=True)
    status_label = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=100, blank=True)
    upload_id = models.CharField(max_length=64, blank=True)
    download_url = models.TextField(blank=True)
    # Every field as Procore returned it: {name: [value, ...]}.
    fields = models.JSONField(default=dict)
    procore_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["project", "procore_id"], name="mirror_revision_once")]
        indexes = [models.Index(fields=["project", "name"]), models.Index(fields=["project", "container_id"])]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def discipline(self) -> str:
        """The discipline as Procore rendered it ("A – Architectural"), so two sheets numbered 201
        in different disciplines can be told apart; "" when the revision has none."""
        items = (self.fields or {}).get("discipline") or []
        item = items[0] if items and isinstance(items[0], dict) else {}
        code, label = str(item.get("code") or ""), str(item.get("label") or "")
        return f"{code} – {label}" if code and label and code not in {label, "__"} else (label or code)
