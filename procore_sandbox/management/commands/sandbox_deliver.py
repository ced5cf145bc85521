from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from procore_sandbox.webhooks import deliveries


class Command(BaseCommand):
    help = "Send the sandbox's queued webhook deliveries (loops until stopped; --once sends what is due and exits)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Send what is due now, then exit.")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        stop = threading.Event()
        if not once:
            # Finish the delivery in flight, then exit, on SIGTERM/SIGINT.
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        sent = deliveries.run_forever(once=once, stop=stop)
        self.stdout.write(f"{sent} webhook deliveries sent.")
