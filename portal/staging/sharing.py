"""Sharing a batch with project members or the whole project team, each change in the batch's history."""

from __future__ import annotations

from django.db import transaction

from portal.accounts.models import User

from .models import AuditEntry, Batch, BatchShare
from .schema import Schema, person_text


@transaction.atomic
def share_with(batch: Batch, user: User, user_ids: list[str], schema: Schema) -> list[str]:
    """Share the batch with project members (Procore user ids); returns the names newly shared with."""
    added = []
    for user_id in dict.fromkeys(user_ids):
        if not user_id.isdigit() or int(user_id) == getattr(batch.created_by, "procore_user_id", None):
            continue
        name = person_text(schema, user_id)
        _, created = BatchShare.objects.get_or_create(
            batch=batch, procore_user_id=int(user_id), defaults={"name": name, "shared_by": user}
        )
        if created:
            added.append(name)
    if added:
        AuditEntry.objects.create(batch=batch, user=user, action="Shared the batch", detail="With " + ", ".join(added))
    return added


@transaction.atomic
def stop_sharing(batch: Batch, user: User, share_id: int) -> str:
    """Stop sharing with one person; returns their name ("" when they were not shared with)."""
    share = BatchShare.objects.filter(batch=batch, pk=share_id).first()
    if share is None:
        return ""
    share.delete()
    AuditEntry.objects.create(batch=batch, user=user, action="Stopped sharing the batch", detail=f"With {share.name}")
    return share.name


@transaction.atomic
def share_with_project(batch: Batch, user: User, shared: bool) -> bool:
    """Open the batch to the whole project team, or close it again; False when nothing changed."""
    if Batch.objects.filter(pk=batch.pk, shared_with_project=not shared).update(shared_with_project=shared) == 0:
        return False
    batch.shared_with_project = shared
    AuditEntry.objects.create(
        batch=batch,
        user=user,
        action="Shared the batch" if shared else "Stopped sharing the batch",
        detail="With the whole project team" if shared else "With the whole project team (now only the people listed)",
    )
    return True
