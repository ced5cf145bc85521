"""Who a Procore call is for: its lane and its flow, decided by the caller's context.

Every call draws on its company's budget in one of three lanes, in this order of priority:

- `INTERACTIVE` — a person is waiting for it: page loads, sign-in, "Sync now", a retry pressed by
  hand. Set for every web request by `portal.throttle.middleware`, and by the task wrappers of
  work a person asked for.
- `WEBHOOKS` — processing Procore's webhook deliveries (mirror refreshes, landings).
- `BACKGROUND` — scheduled syncs and batch submission.

Within a lane, calls are shared between *flows* (one submission, one sync run, one person's page
loads), round-robin, each person's flows together counting as one share (portal.throttle.schedule).

The lane is not a parameter threaded through every function: the view or task wrapper states it
once, `with serving(Ticket(...)):`, and the one Procore client reads it when it is built
(`ProcoreClient.ticket`). Threads started inside do not inherit context variables, so code that
builds a client in a worker thread passes the parent client's ticket on.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum


class Lane(IntEnum):
    INTERACTIVE = 0
    WEBHOOKS = 1
    BACKGROUND = 2

    @property
    def label(self) -> str:
        return {0: "Interactive", 1: "Webhooks", 2: "Background"}[int(self)]

    @classmethod
    def named(cls, name: str) -> Lane:
        return cls[name.upper()]


@dataclass(frozen=True)
class Ticket:
    """The lane a call goes in and the flow it belongs to.

    `flow` identifies the work ("submission:12", "sync:40", "person:7"); `person` names who it
    is for (shown in admin), and `party` is what fair shares count: a person's flows share one
    share between them; work nobody asked for (a scheduled sync) is a party of its own. `size`,
    when the work knows it, is how many calls the flow will have made in all when it is done:
    small work goes first in its lane (portal.throttle.schedule).
    """

    lane: Lane
    flow: str
    label: str = ""
    person_id: int | None = None
    person: str = ""
    size: int | None = None

    @property
    def party(self) -> str:
        return f"person:{self.person_id}" if self.person_id is not None else self.flow

    @classmethod
    def for_person(cls, person_id: int | None, person: str = "", *, label: str = "Pages and actions") -> Ticket:
        """A person's own page loads and actions (interactive)."""
        flow = f"person:{person_id}" if person_id is not None else "anonymous"
        return cls(Lane.INTERACTIVE, flow, label, person_id, person)


DEFAULT = Ticket(Lane.BACKGROUND, "unlabelled", "Work without a stated lane")

_ticket: contextvars.ContextVar[Ticket] = contextvars.ContextVar("procore_budget_ticket", default=DEFAULT)


def current() -> Ticket:
    return _ticket.get()


@contextmanager
def serving(ticket: Ticket) -> Iterator[Ticket]:
    """Calls made (by clients built) inside this block go in `ticket`'s lane and flow."""
    token = _ticket.set(ticket)
    try:
        yield ticket
    finally:
        _ticket.reset(token)


@dataclass
class WaitTally:
    """Seconds the calls of one web request waited for the budget (the Server-Timing header)."""

    seconds: float = 0.0
    calls: int = 0
    waits: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.seconds += seconds
        self.calls += 1
        self.waits.append(seconds)


_tally: contextvars.ContextVar[WaitTally | None] = contextvars.ContextVar("procore_budget_tally", default=None)


def tally() -> WaitTally | None:
    return _tally.get()


@contextmanager
def tallying() -> Iterator[WaitTally]:
    record = WaitTally()
    token = _tally.set(record)
    try:
        yield record
    finally:
        _tally.reset(token)
