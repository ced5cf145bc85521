"""Issue control partials for the batch and progress pages: `{% load issue_control %}` then
`{% issue_panel batch %}`. The pages' own views stay as they are; the partial asks issue_control."""

from __future__ import annotations

from typing import Any

from django import template

from portal.mirror.people import People
from portal.staging.issue_control import distribution
from portal.staging.models import Batch, Transmittal

register = template.Library()


@register.inclusion_tag("staging/issue_control/_batch_panel_placeholder.html")
def issue_panel(batch: Batch) -> dict[str, Any]:
    """A placeholder the page swaps for the checked panel (views.issue_panel) once it has loaded:
    checking a large batch against everything issued takes longer than the page itself."""
    return {"batch": batch}


@register.inclusion_tag("staging/issue_control/_distribution.html")
def distribution_picker(batch: Batch, people: People | None = None) -> dict[str, Any]:
    """Inside the Submit form: project people to send the transmittal to (`people`: the project's
    people, when the page has read them already)."""
    return {
        "batch": batch,
        "people": distribution.choices(batch.project, people),
        "chosen": distribution.chosen_ids(batch),
    }


@register.inclusion_tag("staging/issue_control/_transmittal_panel.html")
def transmittal_panel(batch: Batch) -> dict[str, Any]:
    """The batch's transmittal (or how it will come), and closing a partly landed batch."""
    made = Transmittal.objects.filter(batch=batch).first()
    landed = batch.documents.filter(landed_at__isnull=False).count()
    return {
        "batch": batch,
        "transmittal": made,
        "landed": landed,
        "total": batch.documents.count(),
        "recipients": list(batch.recipients.all()),
    }
