"""Who goes next: the reserve, pacing, lane priority and round-robin shares (pure functions, no
database, no server)."""

from __future__ import annotations

from portal.throttle.lanes import Lane
from portal.throttle.schedule import (
    Demand,
    Window,
    cap,
    decide,
    joining_pass,
    room,
    slots_ahead,
    when_room,
)

SHARE = 0.1
RESET = 1_000_010.0  # a spike window from 1,000,000 to 1,000,010
START = RESET - 10


def spike(sent: int, allowance: int = 48) -> Window:
    return Window(allowance, sent, RESET, 10.0, paced=True)


def background(flow: str, pass_value: float = 0.0, want: int = 1, party: str | None = None) -> Demand:
    return Demand(flow, Lane.BACKGROUND, party or flow, pass_value, want)


def test_it_keeps_the_reserve_for_people_until_the_window_ends():
    # 4 of 48 are kept: background may use 44 until the last stretch of the window.
    window = spike(0)
    assert cap(window, Lane.INTERACTIVE, START + 8.5, SHARE) == 48
    assert cap(window, Lane.BACKGROUND, START + 8.5, SHARE) == 44
    # Released over a tenth of the window, ending a twentieth before the reset.
    assert 44 < cap(window, Lane.BACKGROUND, START + 9.0, SHARE) < 48
    assert cap(window, Lane.BACKGROUND, START + 9.5, SHARE) == 48


def test_it_paces_background_calls_across_the_window():
    window = spike(0)
    assert room(window, Lane.BACKGROUND, START, SHARE) == 4  # a tenth at the start
    assert room(window, Lane.BACKGROUND, START + 5.0, SHARE) == 28
    assert room(window, Lane.INTERACTIVE, START, SHARE) == 48
    # The 20th background call of the window may leave at 3.17 s: 48 × (t/10 + 0.1) ≥ 20.
    assert abs(when_room(spike(19), Lane.BACKGROUND, 1, START, SHARE) - (START + 10 * (20 / 48 - 0.1))) < 1e-6


def test_it_sends_a_person_at_once_when_background_has_used_its_share():
    full_for_background = spike(44)
    at = START + 8.5
    assert not decide([full_for_background], [], background("submission:2"), at, SHARE).grant
    person = Demand("person:7", Lane.INTERACTIVE, "person:7", 0.0)
    assert decide([full_for_background], [background("submission:1", want=6)], person, at, SHARE).grant


def test_it_makes_a_person_wait_only_for_the_next_window_when_the_window_is_spent():
    person = Demand("person:7", Lane.INTERACTIVE, "person:7", 0.0)
    decision = decide([spike(48)], [], person, RESET - 0.3, SHARE)
    assert not decision.grant and abs(decision.wait - 0.55) < 1e-6  # 0.3 s to the reset, plus the guard


def test_it_holds_background_back_while_webhook_work_waits():
    window = spike(17)
    webhooks = Demand("webhooks", Lane.WEBHOOKS, "webhooks", 0.0, want=2)
    at = START + 3.0  # paced to 48 × 0.4 = 19.2: room for two more background-or-webhook calls
    assert decide([window], [webhooks], webhooks, at, SHARE).grant
    assert not decide([window], [webhooks], background("submission:1"), at, SHARE).grant
    assert decide([window], [], background("submission:1"), at, SHARE).grant


def test_it_takes_turns_between_flows_by_their_pass():
    big = background("submission:big", pass_value=10.0, want=6)
    small = background("submission:small", pass_value=4.0, want=1)
    assert slots_ahead(small, [big, small]) == 0
    assert slots_ahead(big, [big, small]) == 1
    # Room for one: the small one goes; the big one waits for the next paced slot.
    at = START + 1.0  # 48 × 0.2 = 9.6: room for one after 8
    assert decide([spike(8)], [big], small, at, SHARE).grant
    assert not decide([spike(8)], [small], big, at, SHARE).grant
    # Room for both: nobody waits for a flow slow to come.
    assert decide([spike(7)], [small], big, at, SHARE).grant


def test_it_counts_a_persons_flows_as_one_share():
    # Ana runs two batches, Ben one: Ben gets every other slot, Ana's two batches one each in four.
    ana_1 = background("submission:1", 0.0, want=9, party="person:1")
    ana_2 = background("submission:2", 0.0, want=9, party="person:1")
    ben = background("submission:3", 0.0, want=9, party="person:2")
    order = []
    passes = {d.flow: 0.0 for d in (ana_1, ana_2, ben)}
    for _ in range(8):
        demands = [Demand(d.flow, d.lane, d.party, passes[d.flow], 9) for d in (ana_1, ana_2, ben)]
        nxt = next(d for d in demands if slots_ahead(d, demands) == 0)
        order.append(nxt.flow)
        passes[nxt.flow] += 2 if nxt.party == "person:1" else 1
    assert order.count("submission:3") == 4
    assert order.count("submission:1") == order.count("submission:2") == 2


def test_it_lets_a_newcomer_ahead_by_at_most_the_credit():
    assert joining_pass(None, served=100.0, credit=48) == 52.0
    assert joining_pass(30.0, served=100.0, credit=48) == 52.0  # lagged too far: brought up
    assert joining_pass(90.0, served=100.0, credit=48) == 90.0  # keeps its place


def test_it_sends_work_that_fits_in_one_window_first():
    big = Demand("submission:big", Lane.BACKGROUND, "person:1", 4.0, want=6, left=1200)
    medium = Demand("submission:medium", Lane.BACKGROUND, "person:2", 4.0, want=6, left=300)
    small = Demand("submission:small", Lane.BACKGROUND, "person:3", 20.0, want=5, left=22)
    unsized = Demand("sync:1", Lane.BACKGROUND, "sync:1", 10.0, want=1)
    lane = [big, medium, small, unsized]
    # 22 calls left, at most one window's (48): it goes first though its pass is the latest ...
    assert slots_ahead(small, lane, first_below=48) == 0
    assert slots_ahead(big, lane, first_below=48) == 5  # ... all five of its waiting callers
    assert decide([spike(8)], [big, medium, unsized], small, START + 1.0, SHARE, 48).grant
    assert not decide([spike(8)], [small, medium, unsized], big, START + 1.0, SHARE, 48).grant
    # Without the rule it would wait for every caller of the earlier passes: 6 + 6 + 1.
    assert slots_ahead(small, lane) == 13
    # Work that did not say its size, or is bigger than a window, keeps its turn by pass.
    assert slots_ahead(unsized, lane, first_below=48) == 5 + 6 + 6
