"""gunicorn settings read from the environment; the command line sets bind, workers and threads.

FORWARDED_ALLOW_IPS names the proxies whose X-Forwarded-Proto (and other forwarded headers) gunicorn
believes: comma-separated addresses or networks, `*` for any. Empty, the default, believes nobody —
unlike gunicorn's own default of 127.0.0.1 — so a client cannot claim HTTPS over plain HTTP. The
portal's settings read the same variable (portal/forwarded.py). gunicorn loads this file from the
working directory (`/app` in the image, the checkout otherwise).
"""

import os
from pathlib import Path


def env(name: str) -> str:
    """As portal/settings.py reads it: the variable, or the file named by NAME_FILE."""
    path = os.environ.get(f"{name}_FILE")
    return Path(path).read_text().strip() if path else os.environ.get(name, "")


forwarded_allow_ips = env("FORWARDED_ALLOW_IPS")
