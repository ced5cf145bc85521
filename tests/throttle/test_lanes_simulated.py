"""Lanes and shares over many windows, in simulated time: the budget's real code and database
rows, a simulated Procore counting fixed windows, and callers that wait as they are told.

Limits as in bench/contention.py: 50 per 10 s and 6,000 an hour, unless a test says otherwise.
"""

from __future__ import annotations

import pytest

from portal.throttle import budget, clock
from portal.throttle.lanes import Lane, Ticket
from portal.throttle.models import Budget, Flow, HourlyUsage
from tests.throttle.simulation import KEY, Caller, Server, Simulation

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

START = 1_800_000_000.0  # a multiple of 10 and of 3600


def submission(n: int, person: int) -> Ticket:
    return Ticket(Lane.BACKGROUND, f"submission:{n}", f"Submission {n}", person, f"Person {person}")


def batch(sim: Simulation, ticket: Ticket, calls_per_thread: list[int], start: float) -> list[Caller]:
    return [sim.add(Caller(ticket, calls, start)) for calls in calls_per_thread]


def finished(callers: list[Caller]) -> float:
    assert all(c.finished_at for c in callers), "the work did not finish in the simulated time"
    return max(c.finished_at or 0.0 for c in callers) - min(c.start for c in callers)


def run_until_done(sim: Simulation, groups: list[list[Caller]], limit: float) -> None:
    for _ in sim.run(START + limit):
        if all(c.finished_at for group in groups for c in group):
            return


def test_it_serves_people_at_once_while_a_batch_saturates_the_budget():
    sim = Simulation(Server(hourly=6000, spike=50), START)
    big = batch(sim, submission(1, 1), [100] * 6, START)
    probes = [sim.add(Caller(Ticket.for_person(9, "Probe"), 1, START + 1 + 2 * k)) for k in range(40)]
    run_until_done(sim, [probes], 90)
    waits = sorted(p.waited[0] for p in probes)
    assert waits[int(0.95 * (len(waits) - 1))] < 1.0
    assert max(waits) < 1.0
    # Meanwhile the batch used what people left: full windows, and no 429.
    assert sim.server.refused == 0
    full_windows = sim.server.spike_counts()[1:8]
    assert min(full_windows) >= 45, full_windows
    assert sum(c.done for c in big) > 0


def test_it_serves_a_small_batch_started_behind_a_big_one_first():
    sim = Simulation(Server(hourly=6000, spike=50), START)
    big = batch(sim, submission(1, 1), [200] * 6, START)
    small = batch(sim, submission(2, 2), [3] * 5, START + 15.3)
    run_until_done(sim, [small], 60)
    # Its 15 calls went at the budget's own pace (48 calls per 10 s) while the big batch waited:
    # it did not queue behind the big batch's 1,200 calls.
    assert finished(small) <= 15 * 10 / 48 + 1.0
    assert sum(c.done for c in big) < 200


def test_it_sends_a_batch_that_fits_in_one_window_first_even_behind_other_newcomers():
    sim = Simulation(Server(hourly=6000, spike=50), START)
    sized = [
        Ticket(Lane.BACKGROUND, f"submission:{n}", f"Submission {n}", n, f"Person {n}", size=size)
        for n, size in ((1, 1224), (2, 72), (3, 306), (4, 22))
    ]
    big = batch(sim, sized[0], [204] * 6, START)
    medium = [*batch(sim, sized[1], [12] * 6, START + 3), *batch(sim, sized[2], [51] * 6, START + 4)]
    small = batch(sim, sized[3], [4] * 5 + [2], START + 5)
    run_until_done(sim, [small], 60)
    # Its 22 calls left at the budget's full pace (48 per 10 s), not at a third of it shared with
    # the two other batches that had just started: small work goes first.
    assert finished(small) <= 22 * 10 / 48 + 1.0
    # The two others had started before it, and waited only for its 22 calls.
    assert sum(c.done for c in medium) < 30 and sum(c.done for c in big) < 30
    assert sim.server.refused == 0


def calls_between(sim: Simulation, groups: dict[str, list[Caller]], start: float, end: float) -> dict[str, int]:
    """Calls each group made from `start` to `end` (simulated seconds after START)."""
    sim.run_to(START + start)
    before = {name: sum(c.done for c in group) for name, group in groups.items()}
    sim.run_to(START + end)
    return {name: sum(c.done for c in group) - before[name] for name, group in groups.items()}


def test_it_shares_the_budget_in_turns_between_two_people():
    sim = Simulation(Server(hourly=6000, spike=50), START)
    first = batch(sim, submission(1, 1), [200] * 6, START)
    second = batch(sim, submission(2, 2), [200] * 6, START + 0.01)
    # The one that asked second went ahead by at most one window's calls (its credit) ...
    early = calls_between(sim, {"first": first, "second": second}, 0, 0)
    lead = calls_between(sim, {"first": first, "second": second}, 0, 20)
    assert lead["second"] - lead["first"] <= 48 + 2
    # ... and from then on they take turns: each gets half of every window, and no 429.
    steady = calls_between(sim, {"first": first, "second": second}, 20, 70)
    assert abs(steady["first"] - steady["second"]) <= 2
    assert steady["first"] + steady["second"] >= 0.95 * 48 * 5
    assert sim.server.refused == 0 and early == {"first": 0, "second": 0}


def test_it_counts_one_persons_batches_as_one_share():
    sim = Simulation(Server(hourly=6000, spike=50), START)
    ana = [*batch(sim, submission(1, 1), [200] * 6, START), *batch(sim, submission(2, 1), [200] * 6, START)]
    ben = batch(sim, submission(3, 2), [200] * 6, START)
    steady = calls_between(sim, {"ana": ana, "ben": ben}, 30, 80)
    assert abs(steady["ana"] - steady["ben"]) <= 0.05 * (steady["ana"] + steady["ben"]) / 2


def test_it_keeps_a_share_of_the_hour_for_people_once_procore_reported_the_hourly_limit():
    sync = Ticket(Lane.BACKGROUND, "sync:1", "Scheduled sync")
    first_hour = Simulation(Server(hourly=200, spike=50), START)
    batch(first_hour, sync, [100] * 3, START)
    first_hour.run_to(START + 60)
    assert Budget.objects.get(key=KEY).hour_limit == 200  # reported once it was the nearer limit

    next_hour = Simulation(Server(hourly=200, spike=50), START + 3600)
    background = batch(next_hour, sync, [100] * 3, START + 3600)
    next_hour.run_to(START + 3600 + 60)
    # 200 less the margin (4) less a tenth kept for people (19): background stops at 177 ...
    assert sum(c.done for c in background) == 177
    # ... and people are served at once from what is kept.
    people = [next_hour.add(Caller(Ticket.for_person(9, "Probe"), 1, START + 3600 + 70 + k)) for k in range(5)]
    run_until_done(next_hour, [people], 3600 + 80)
    assert all(p.done == 1 and p.waited[0] < 1.0 for p in people)
    assert first_hour.server.refused == next_hour.server.refused == 0


def test_it_counts_every_answer_in_its_hour_with_failures_apart():
    budget.observe(KEY, budget.Seen(50, 49, START + 10), status=200, lane=Lane.INTERACTIVE, now=START + 1)
    budget.observe(KEY, budget.Seen(50, 48, START + 10), status=404, lane=Lane.BACKGROUND, now=START + 2)
    budget.observe(KEY, budget.Seen(50, 0, START + 10), status=429, retry_after=8, lane=Lane.BACKGROUND, now=START + 3)
    budget.observe(KEY, budget.Seen(50, 49, START + 3610), status=200, lane=Lane.WEBHOOKS, now=START + 3601)
    first, second = HourlyUsage.objects.order_by("hour")
    assert (first.calls, first.failed, first.rate_limited) == (3, 1, 1)
    assert (first.interactive, first.webhooks, first.background) == (1, 0, 2)
    assert (second.calls, second.webhooks, second.spike_limit) == (1, 1, 50)


def test_it_waits_for_the_next_window_in_simulated_time():
    server = Server(hourly=6000, spike=25)
    person = Ticket.for_person(1, "Dana")
    with clock.simulated(start=START + 0.5) as sim:
        for _ in range(23):  # Procore's 25 less the margin of 2
            budget.acquire(KEY, person)
            status, seen, retry_after = server.call(sim.now())
            budget.observe(KEY, seen, status=status, lane=person.lane)
        waited = budget.acquire(KEY, person)
    # The window was spent: the 24th call waited for the reset at START + 10 and the guard after it.
    assert 9.0 < waited < 10.5
    assert sim.now() >= START + 10.25
    flow = Flow.objects.get(key="person:1")
    assert flow.calls == 24 and flow.lane == "interactive"
