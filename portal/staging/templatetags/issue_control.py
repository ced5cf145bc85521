"""Issue control partials for the batch and progress pages: `{% load issue_control %}` then
`{% issue_panel batch %}`. The pages' own views stay as they are; the partial asks issue_control."""

from __future__ import annotations

from typing import Any

from django import template

from portal.staging.issue_control import checks
from portal.staging.models import Batch

register = template.Library()


@register.inclusion_tag("staging/issue_control/_batch_panel.html")
def issue_panel(batch: Batch) -> dict[str, Any]:
    report = checks.check_batch(batch) if batch.is_editable else checks.Report(None)
    return {"batch": batch, "report": report, "counts": report.counts()}
