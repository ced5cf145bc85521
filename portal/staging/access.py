"""Who may see which batch: a person sees a batch of a project they may see (portal.mirror.access)."""

from __future__ import annotations

from django.http import Http404

from portal.accounts.models import User

from .models import Batch


def get_batch_for_user(user: User, batch_id: int) -> Batch:
    """A staging batch of a project `user` may see; Http404 otherwise."""
    batch = (
        Batch.objects.select_related("project", "project__company", "created_by")
        .filter(pk=batch_id, project__memberships__user=user)
        .first()
    )
    if batch is None:
        raise Http404("No such batch.")
    return batch
