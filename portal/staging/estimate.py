"""The submit estimate a person sees: how many Procore calls, how long at the company's current
limits with the work queued ahead, and the place in the company's queue.

Calls come from the pipeline's known costs (pipeline/costs.py), time from the rate-limit budget
(portal.throttle.estimate: Procore's reported limits, the lanes people use first, round-robin
shares with the other submissions of the same company). Before Submit every unfinished
submission of the company is ahead; while a batch is sent, the estimate is recomputed from
where its documents are, so the progress page stays current.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.caching import shared
from portal.throttle import clock
from portal.throttle.estimate import Limits, first_below, limits_for, seconds_for, shared_calls

from .models import Batch, Submission
from .pipeline import costs, settle

UNFINISHED = [Submission.State.QUEUED, Submission.State.RUNNING]
HOURLY_CAVEAT_AFTER = 600  # seconds: a shorter send does not come near an hourly limit
SHARED_FOR = 3  # seconds a page's estimate is reused by everyone looking at the batch


@dataclass(frozen=True)
class SubmitEstimate:
    calls: int  # Procore calls this batch (still) needs
    seconds: float | None  # at the company's current limits; None while Procore has not reported them
    position: int  # in the company's queue of unfinished submissions: 1 = nothing ahead
    ahead: int  # submissions of the company started earlier and still sending
    ahead_calls: int  # what they still need
    sharing: int  # other submissions of the company sending at the same time (before or after)
    limits: Limits
    company: str
    running: bool  # a submission of this batch is under way
    goes_first: bool = False  # it fits in one window's calls, so it goes before the bigger ones ahead

    @property
    def hourly_unknown(self) -> bool:
        """Procore reports its hourly limit only when it is nearly spent; until then the time
        assumes the 10-second limit alone, which a send of more than ten minutes may well meet."""
        return self.limits.known and self.limits.hour_limit is None and (self.seconds or 0) > HOURLY_CAVEAT_AFTER

    @property
    def spike_rate(self) -> str:
        return f"{self.limits.spike_limit} calls per 10 s" if self.limits.spike_limit else ""


def _unfinished(company_id: int) -> list[Submission]:
    """Every queued or running submission of the company, oldest first (one query)."""
    rows = Submission.objects.filter(batch__project__company_id=company_id, state__in=UNFINISHED)
    return list(rows.select_related("batch").order_by("created_at", "id"))


def _waits(batch: Batch) -> float:
    """Waits that are not the rate limit: Procore's ML is read FIRST_READ seconds after the last wave."""
    return 0.0 if batch.target == Batch.Target.FOLDER else settle.FIRST_READ


def estimate(batch: Batch, documents: int | None = None) -> SubmitEstimate:
    """The estimate for sending `batch` now, or for the rest of its submission under way
    (`documents`: how many the batch has, when the caller has counted them already)."""
    company_id = batch.project.company_id
    unfinished = _unfinished(company_id)
    mine = [s for s in unfinished if s.batch_id == batch.pk]
    current = mine[-1] if mine else None  # the latest, should the batch have two
    if current is not None:
        calls = costs.calls_left(current)
        others = [o for o in unfinished if o.pk != current.pk]
        ahead = [o for o in others if (o.created_at, o.pk) < (current.created_at, current.pk)]
    else:
        calls = costs.calls_for_batch(batch, documents)
        others = unfinished
        ahead = others
    left = costs.calls_left_each(others)
    limits = limits_for(company_id)
    small = first_below(limits)
    budget_seconds = seconds_for(shared_calls(calls, left.values(), small), limits, clock.now())
    return SubmitEstimate(
        calls=calls,
        seconds=None if budget_seconds is None else budget_seconds + (_waits(batch) if calls else 0.0),
        position=len(ahead) + 1,
        ahead=len(ahead),
        ahead_calls=sum(left[o.pk] for o in ahead),
        sharing=len(others),
        limits=limits,
        company=batch.project.company.name,
        running=current is not None,
        goes_first=0 < calls <= small and any(left[o.pk] > small for o in ahead),
    )


def shared_estimate(batch: Batch, documents: int | None = None) -> SubmitEstimate:
    """The estimate as pages show it: worked out at most once every SHARED_FOR seconds for the
    batch as it stands (its state and size), not once per person and poll watching it."""
    key = f"staging:estimate:{batch.pk}:{batch.state}:{documents}"
    return shared(key, lambda: estimate(batch, documents), SHARED_FOR)


def estimate_context(batch: Batch, documents: int | None = None) -> dict:
    """What templates/staging/_estimate.html needs."""
    return {"batch": batch, "estimate": shared_estimate(batch, documents)}
