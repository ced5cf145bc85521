from __future__ import annotations

import ipaddress

from django.core.management.base import BaseCommand, CommandError

CONSENT = "i-understand"


def is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]") if ":" in address else address
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


class Command(BaseCommand):
    help = "Refuse to serve the demo beyond this machine unless told the risk is understood (make demo)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("address", help="the demo's address, HOST:PORT (DEMO_ADDR)")
        parser.add_argument("--public", default="", help=f"'{CONSENT}' to serve beyond this machine anyway")

    def handle(self, *args: object, address: str = "", public: str = "", **options: object) -> None:
        if is_loopback(address):
            return
        risk = (
            f"DEMO_ADDR={address} serves the demo beyond this machine. The demo runs with DEBUG on (error "
            "pages show settings and code), and its Procore sandbox signs anyone in with the password the "
            "banner prints and hands out API tokens."
        )
        if public != CONSENT:
            raise CommandError(
                f"{risk}\n  Refused. To do it anyway, on a network you trust: make demo DEMO_ADDR={address} "
                f"DEMO_PUBLIC={CONSENT} (the sandbox then answers every client; add the host to ALLOWED_HOSTS)."
            )
        self.stderr.write(self.style.WARNING(f"{risk} DEMO_PUBLIC={CONSENT}: serving it anyway."))
