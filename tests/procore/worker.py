"""A separate portal process for tests: `python tests/procore/worker.py DB_NAME MODE ...`.

It points Django at the test database before setting up, so it shares the budget table (and the
sandbox's counters) with the test and its live server, as a web process and a worker would.

Modes:
- `client BASE_URL TOKEN COMPANY N PATH [LANE FLOW PERSON_ID START_AT PAUSE]`: N GETs through
  ProcoreClient, in that lane and flow of the budget (default: the default ticket), from Unix time
  START_AT, PAUSE seconds apart; prints a JSON summary with each call's end time and wait.
- `admit N APP COMPANY`: N calls of the sandbox limiter's admit(); prints how many were accepted.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def main(argv: list[str]) -> None:
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = argv[0]
    import django

    django.setup()
    mode, args = argv[1], argv[2:]
    if mode == "client":
        import time

        from portal.procore.errors import ProcoreError
        from portal.procore.http import BearerToken, ProcoreClient
        from portal.throttle import lanes
        from portal.throttle.lanes import Lane, Ticket

        base_url, token, company, count, path = args[0], args[1], args[2], int(args[3]), args[4]
        ticket = None
        if len(args) > 5:
            person = int(args[7]) if args[7] else None
            ticket = Ticket(Lane.named(args[5]), args[6], args[6], person, f"Person {person}")
        start_at, pause = (float(args[8]), float(args[9])) if len(args) > 8 else (0.0, 0.0)
        client = ProcoreClient(BearerToken(token), company, base_url=base_url, ticket=ticket)
        time.sleep(max(0.0, start_at - time.time()))
        ok, errors, ends, waits = 0, [], [], []
        for _ in range(count):
            try:
                with lanes.tallying() as tally:
                    client.get(path)
                ok += 1
                ends.append(time.time())
                waits.append(tally.seconds)
            except ProcoreError as exc:
                errors.append(str(exc))
            time.sleep(pause)
        print(json.dumps({"ok": ok, "errors": errors, "ends": ends, "waits": waits}))
    elif mode == "admit":
        from procore_sandbox.limits.ratelimit import admit

        count, app, company = int(args[0]), args[1], args[2]
        print(sum(admit(app, company).accepted for _ in range(count)))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
