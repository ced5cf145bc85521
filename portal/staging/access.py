"""Who may see which batch: the one place every staging view asks.

A batch belongs to its creator and to the people they share it with — chosen project members
(BatchShare, by Procore user id) or the whole project team (`Batch.shared_with_project`) — as
Procore's own rule for unpublished uploads is that people work on their own uploads. People the
portal makes administrators of a project (mirror.ProjectRole, granted in Django admin) see every
batch of it, and Django admin shows every batch. Everyone else is told nothing: the batch is not
in their lists and each of its URLs answers 404. The project itself must still be visible to them
(portal.mirror.access).

Procore's Document Management admins are not given every batch from Procore's permission manifest:
that would cost a Procore call on every page, and the batch's creator decides whom it is shared with.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from portal.accounts.models import User
from portal.mirror.access import projects_for_user
from portal.mirror.models import Membership, ProjectRole

from .models import Batch


def batches_for_user(user: User) -> QuerySet[Batch]:
    """Batches `user` may see and work on."""
    administered = ProjectRole.objects.filter(user=user, role=ProjectRole.Role.ADMINISTRATOR).values("project")
    mine = Q(created_by=user) | Q(shared_with_project=True) | Q(project__in=administered)
    if user.procore_user_id is not None:
        mine |= Q(shares__procore_user_id=user.procore_user_id)
    ids = Batch.objects.filter(mine, project__in=projects_for_user(user)).values("pk")
    # A subquery rather than .distinct(): callers order and slice freely.
    return Batch.objects.filter(pk__in=ids)


def get_batch_for_user(user: User, batch_id: int) -> Batch:
    """A batch `user` may see; Http404 otherwise (also for batches of others in their projects).
    One query for its creator (most requests: every page, poll and file part of their own
    batch): the batch with whether they are still in its project; anyone else asks the whole rule."""
    batch = (
        Batch.objects.select_related("project", "project__company", "created_by")
        .annotate(viewer_is_member=Exists(Membership.objects.filter(user=user, project_id=OuterRef("project_id"))))
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        raise Http404("No such batch.")
    allowed = batch.viewer_is_member if is_owner(user, batch) else may_see(user, batch)
    if not allowed:
        raise Http404("No such batch.")
    return batch


def may_see(user: User, batch: Batch) -> bool:
    """batches_for_user's rule for one batch already loaded. Its creator costs one small query
    (are they still in its project?); anyone else asks the whole rule."""
    if batch.created_by_id is not None and batch.created_by_id == user.pk:
        return Membership.objects.filter(user=user, project_id=batch.project_id).exists()
    return batches_for_user(user).filter(pk=batch.pk).exists()


def is_owner(user: User, batch: Batch) -> bool:
    return batch.created_by_id is not None and batch.created_by_id == user.pk


def ensure_owner(user: User, batch: Batch) -> None:
    """Only the batch's creator shares it or deletes it (the people it is shared with work on it)."""
    if not is_owner(user, batch):
        raise PermissionDenied("Only the person who created this batch can do this.")
