"""A separate portal process for tests: `python tests/procore/worker.py DB_NAME MODE ...`.

It points Django at the test database before setting up, so it shares the budget table (and the
sandbox's counters) with the test and its live server, as a web process and a worker would.

Modes:
- `client BASE_URL TOKEN COMPANY N PATH`: N GETs through ProcoreClient; prints a JSON summary.
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
        from portal.procore.errors import ProcoreError
        from portal.procore.http import BearerToken, ProcoreClient

        base_url, token, company, count, path = args[0], args[1], args[2], int(args[3]), args[4]
        client = ProcoreClient(BearerToken(token), company, base_url=base_url)
        ok, errors = 0, []
        for _ in range(count):
            try:
                client.get(path)
                ok += 1
            except ProcoreError as exc:
                errors.append(str(exc))
        print(json.dumps({"ok": ok, "errors": errors}))
    elif mode == "admit":
        from procore_sandbox.limits.ratelimit import admit

        count, app, company = int(args[0]), args[1], args[2]
        print(sum(admit(app, company).accepted for _ in range(count)))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])
