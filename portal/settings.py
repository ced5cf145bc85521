"""One settings module, driven by the environment.

Development runs with no variables at all: SQLite, the django-q2 ORM broker and the embedded
Procore sandbox at /sandbox/. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and the
PROCORE_* variables; with DEBUG off the module refuses to start without its secrets.
Every variable is listed in docker/.env.example and in the README's settings table, and every
setting the code reads is defined here with its default (tests/test_settings.py checks all three).
A value that does not parse (PROCORE_SANDBOX=ture, Q_WORKERS=two) stops the start with an error
naming the variable, rather than being read as a default.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """Read a variable, or the contents of the file named by NAME_FILE (Docker secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def envbool(name: str, default: bool) -> bool:
    value = env(name, "").strip().lower()
    if value == "":
        return default
    if value in TRUE | FALSE:
        return value in TRUE
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off, not {env(name)!r}.")


def envint(name: str, default: int) -> int:
    value = env(name, "").strip()
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def envfloat(name: str, default: float) -> float:
    value = env(name, "").strip()
    if value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}.") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)
TESTING = "pytest" in sys.modules or envbool("TESTING", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"

PORTAL_PUBLIC_URL = env("PORTAL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", PORTAL_PUBLIC_URL)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "axes",
    "django_q",
    "django_htmx",
    "portal.accounts",
    "portal.accounts.providers.procore",
    "portal.mirror",
    "portal.staging",
    "portal.throttle",
    "portal.tasking",
    "portal.webhooks",
]

MIDDLEWARE = [
    # First: a body over the limit is refused from its Content-Length (a chunked one is cut off)
    # before anything — CSRF's check of a form post included — reads it to a temporary file.
    "portal.staging.incoming.body_limit.BodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.throttle.middleware.InteractiveLane",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.staging.notifications.NotificationMiddleware",
    # Turns a sign-in refused for too many failures into the lock-out page (django-axes: last).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "portal.tasking.context_processors.task_queue",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# SQLite by default. WAL, a busy timeout and IMMEDIATE transactions let the web process and
# the worker write at once without "database is locked".
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "var")))
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "portal.sqlite3"),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file (not :memory:) so the live test server's threads each get their own
            # connection, as the web process and the worker do in real use.
            # One file per test run, so parallel runs on one machine do not share it.
            "TEST": {"NAME": str(DATA_DIR / f"test-portal-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if TESTING:
    # Seeding hashes sandbox passwords for every test; the slow default hasher buys nothing here.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Task queue ---------------------------------------------------------------------------
# `retry` must exceed `timeout`, and both the longest task, or django-q2 runs a task twice.
REDIS_URL = env("REDIS_URL")
Q_CLUSTER: dict = {
    # Clusters sharing one Redis must share this name to share a queue (and differ to stay apart).
    "name": env("Q_CLUSTER_NAME", "portal"),
    "workers": envint("Q_WORKERS", 2),
    "timeout": envint("Q_TIMEOUT", 3600),
    "retry": envint("Q_RETRY", 3900),
    "max_attempts": 3,
    "queue_limit": 50,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 1000,
}
# A Redis that hangs (a network partition, a stalled server) fails a hand-over within this many
# seconds instead of holding the page that asked; the task is kept (portal/tasking/handoff.py).
REDIS_TIMEOUT = envfloat("REDIS_TIMEOUT", 5.0)


def redis_with_timeouts(url: str, seconds: float) -> str:
    """The Redis URL with socket timeouts, unless it names its own (redis-py reads them from it)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for name in ("socket_timeout", "socket_connect_timeout"):
        query.setdefault(name, str(seconds))
    return parts._replace(query=urlencode(query)).geturl()


if REDIS_URL:
    Q_CLUSTER["redis"] = redis_with_timeouts(REDIS_URL, REDIS_TIMEOUT)
else:
    Q_CLUSTER["orm"] = "default"

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses any password sign-in (Django admin, a local account) while it is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "portal.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "portal.accounts.adapters.SocialAccountAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
# Procore logins are unique per Procore user; a local admin may share an address.
ACCOUNT_UNIQUE_EMAIL = False
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_LOGOUT_ON_GET = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_QUERY_EMAIL = False
# Tokens live in our own encrypted store (portal.accounts.tokens), not in allauth's table.
SOCIALACCOUNT_STORE_TOKENS = False

# Password sign-in (Django admin, local accounts) is locked after AXES_FAILURE_LIMIT failures, for an
# account and, separately, for a client address, for AXES_COOLOFF_MINUTES (0: until unlocked in admin
# or with `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS` / `axes_reset`). Sign-in with
# Procore never asks for a password here, so it is not counted and not refused.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15)) or None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each alone: an account, or a client
# A success does not clear failures: else signing in with Procore would wipe a client's count.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "portal.forwarded.client_ip"
# axes announces itself in the log when it starts; commands whose standard output is data
# (sandbox_token, extract_metadata) must print nothing else there.
AXES_VERBOSE = False

# --- Procore ------------------------------------------------------------------------------
# The embedded sandbox is on by default in development and off in production.
PROCORE_SANDBOX = envbool("PROCORE_SANDBOX", DEBUG)
if PROCORE_SANDBOX:
    # The sandbox is a separate package (procore_sandbox/), installed only when wanted: with it
    # off, none of its tables, URLs or admin pages exist, and the production image omits it.
    INSTALLED_APPS.append("procore_sandbox")
    MIDDLEWARE.append("procore_sandbox.gateway.GatewayMiddleware")
_sandbox_base = f"{PORTAL_PUBLIC_URL}/sandbox"
PROCORE_LOGIN_URL = env("PROCORE_LOGIN_URL", _sandbox_base if PROCORE_SANDBOX else "https://login.procore.com").rstrip(
    "/"
)
PROCORE_API_URL = env("PROCORE_API_URL", _sandbox_base if PROCORE_SANDBOX else "https://api.procore.com").rstrip("/")
# With the sandbox on and no secret set, the secrets stay empty here and the sandbox fills them in
# from its database, where the seed made them random (procore_sandbox/credentials.py: at each
# process's first database connection, and after every seed).
PROCORE_CLIENT_ID = env("PROCORE_CLIENT_ID", "portal-sandbox-client" if PROCORE_SANDBOX else "")
PROCORE_CLIENT_SECRET = env("PROCORE_CLIENT_SECRET")
# A Developer Managed Service Account (client credentials), used for background work such
# as webhook processing when set.
PROCORE_SERVICE_CLIENT_ID = env("PROCORE_SERVICE_CLIENT_ID", "portal-sandbox-service" if PROCORE_SANDBOX else "")
PROCORE_SERVICE_CLIENT_SECRET = env("PROCORE_SERVICE_CLIENT_SECRET")
PROCORE_TIMEOUT = envfloat("PROCORE_TIMEOUT", 30.0)
# Refresh an access token this many seconds before Procore would reject it.
PROCORE_TOKEN_REFRESH_MARGIN = envint("PROCORE_TOKEN_REFRESH_MARGIN", 300)
# The rate-limit budget (portal/throttle): the share of every window (10-second and hourly) kept
# for calls a person is waiting for, and how many days of hourly call counts admin keeps.
THROTTLE_INTERACTIVE_RESERVE = envfloat("THROTTLE_INTERACTIVE_RESERVE", 0.1)
THROTTLE_USAGE_DAYS = envint("THROTTLE_USAGE_DAYS", 90)

if not DEBUG and not PROCORE_SANDBOX and not (PROCORE_CLIENT_ID and PROCORE_CLIENT_SECRET):
    raise ImproperlyConfigured("PROCORE_CLIENT_ID and PROCORE_CLIENT_SECRET must be set when DEBUG is off.")

SOCIALACCOUNT_PROVIDERS = {
    "procore": {
        "APPS": [{"client_id": PROCORE_CLIENT_ID, "secret": PROCORE_CLIENT_SECRET}],
    },
}

# Fernet keys for tokens at rest, newest first (comma-separated). Without one, development
# derives a key from SECRET_KEY; production must set it so rotating SECRET_KEY keeps tokens.
TOKEN_ENCRYPTION_KEYS = envlist("TOKEN_ENCRYPTION_KEYS")
if not DEBUG and not TOKEN_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must be set when DEBUG is off.")

# Sandbox: the redirect URIs registered for the portal's app in the seed.
SANDBOX_REDIRECT_URIS = envlist("SANDBOX_REDIRECT_URIS", f"{PORTAL_PUBLIC_URL}/accounts/procore/login/callback/")
# Sandbox: Procore's rate limits per app and company (hourly and 10-second spike windows);
# tests and benchmarks change them at run time (procore_sandbox.limits.ratelimit.configure).
SANDBOX_RATE_LIMIT_HOURLY = envint("SANDBOX_RATE_LIMIT_HOURLY", 3600)
SANDBOX_RATE_LIMIT_SPIKE = envint("SANDBOX_RATE_LIMIT_SPIKE", 25)
# Sandbox: /sandbox/_control/ answers loopback clients only, and needs this token when set.
SANDBOX_CONTROL_TOKEN = env("SANDBOX_CONTROL_TOKEN")
# Sandbox: the client networks it answers at all (comma-separated; "*" for any). Loopback only by
# default: a demo reachable by others must say so (`make demo DEMO_PUBLIC=i-understand`).
SANDBOX_ALLOWED_CLIENTS = envlist("SANDBOX_ALLOWED_CLIENTS", "127.0.0.0/8,::1/128")
# The seed's large project (Metro Line Extension: 500+ folders, 10,000+ files) for benchmarks.
SANDBOX_SEED_LARGE = envbool("SANDBOX_SEED_LARGE", True)
# Sandbox: seconds an access token lives (Procore: 5,400).
SANDBOX_ACCESS_TOKEN_TTL = envint("SANDBOX_ACCESS_TOKEN_TTL", 5400)
# Sandbox webhooks: a background thread in the web process delivers events (off: only
# `manage.py sandbox_deliver` or a test's deliver_due() sends them); retry backoff and the discard
# window (12 h, as Procore) are multiplied by the time scale (0.01: 1 s of backoff takes 10 ms);
# the timeout is each delivery's, in seconds, not scaled.
SANDBOX_WEBHOOK_DISPATCHER = envbool("SANDBOX_WEBHOOK_DISPATCHER", True)
SANDBOX_WEBHOOK_TIME_SCALE = envfloat("SANDBOX_WEBHOOK_TIME_SCALE", 1.0)
SANDBOX_WEBHOOK_DISCARD_AFTER = envfloat("SANDBOX_WEBHOOK_DISCARD_AFTER", 43200.0)
SANDBOX_WEBHOOK_TIMEOUT = envfloat("SANDBOX_WEBHOOK_TIMEOUT", 5.0)

# --- Mirror (portal.mirror) ---------------------------------------------------------------------
# Seconds before a person's list of projects, and a project's Document Management setup, are read
# again from Procore; how often active projects are refreshed, and fully re-read.
MIRROR_MEMBERSHIP_MAX_AGE = envint("MIRROR_MEMBERSHIP_MAX_AGE", 300)
MIRROR_CONFIG_MAX_AGE = envint("MIRROR_CONFIG_MAX_AGE", 600)
MIRROR_REFRESH_INTERVAL = envint("MIRROR_REFRESH_INTERVAL", 900)
MIRROR_FULL_SYNC_INTERVAL = envint("MIRROR_FULL_SYNC_INTERVAL", 86400)

# --- Webhooks (portal.webhooks) ---------------------------------------------------------------
# Our namespace in Procore (lowercase letters, digits, "-"); hooks point at PORTAL_PUBLIC_URL.
WEBHOOKS_NAMESPACE = env("WEBHOOKS_NAMESPACE", "document-portal")
WEBHOOKS_MAX_BODY_BYTES = envint("WEBHOOKS_MAX_BODY_BYTES", 256 * 1024)  # larger bodies answer 413
WEBHOOKS_KEEP_BODY_BYTES = envint("WEBHOOKS_KEEP_BODY_BYTES", 64 * 1024)  # kept of a refused body
WEBHOOKS_PREVIOUS_SECRET_GRACE = envint("WEBHOOKS_PREVIOUS_SECRET_GRACE", 3600)  # old secret valid after rotation
WEBHOOKS_LANDING_WINDOW = envint("WEBHOOKS_LANDING_WINDOW", 86400)  # match early "created" events this long
WEBHOOKS_KEEP_DAYS = envint("WEBHOOKS_KEEP_DAYS", 30)  # processed deliveries are kept this long

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))  # where collectstatic writes
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
# Staged files live in an S3-compatible object store when S3_BUCKET is set (production: every web
# and worker process on any host reads the same files; browsers upload straight to it in signed
# parts), and under MEDIA_ROOT otherwise (one machine, `make demo`: parts go through the portal).
S3_BUCKET = env("S3_BUCKET")
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL")  # empty = AWS S3 itself
# The address browsers reach the store at, when it differs from the one the portal uses
# (in compose the portal calls http://s3:8333 while browsers come through the public proxy).
S3_PUBLIC_URL = env("S3_PUBLIC_URL", S3_ENDPOINT_URL)
S3_REGION = env("S3_REGION", "us-east-1")
S3_ACCESS_KEY = env("S3_ACCESS_KEY")
S3_SECRET_KEY = env("S3_SECRET_KEY")


def s3_storage(bucket: str, endpoint_url: str, region: str, access_key: str, secret_key: str) -> dict:
    """The STORAGES entry for staged files in an S3 bucket (django-storages, path-style, SigV4)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "region_name": region,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "file_overwrite": False,
            "default_acl": None,
        },
    }


_default_storage = (
    s3_storage(S3_BUCKET, S3_ENDPOINT_URL, S3_REGION, S3_ACCESS_KEY, S3_SECRET_KEY)
    if S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "portal.static_storage.StaticStorage"
    },
}
# The embedded sandbox keeps what is uploaded to "Procore" apart from the portal's own storage.
SANDBOX_STORAGE_DIR = Path(env("SANDBOX_STORAGE_DIR", str(DATA_DIR / "sandbox-storage")))
# A submit worker renews its claim on a batch at least every STAGING_SUBMIT_HEARTBEAT seconds, from
# a thread of its own while its process lives; the progress page says the batch is waiting for a
# worker when no renewal came for longer. The claim lapses STAGING_SUBMIT_LEASE seconds after the
# last renewal, and every worker looks for lapsed claims every few seconds, so a dead worker's batch
# resumes within about LEASE + 5 seconds.
STAGING_SUBMIT_HEARTBEAT = envint("STAGING_SUBMIT_HEARTBEAT", 10)
STAGING_SUBMIT_LEASE = envint("STAGING_SUBMIT_LEASE", 30)
if STAGING_SUBMIT_LEASE <= STAGING_SUBMIT_HEARTBEAT:
    raise ImproperlyConfigured("STAGING_SUBMIT_LEASE must be longer than STAGING_SUBMIT_HEARTBEAT.")
# Files a submit worker sends at once.
STAGING_SUBMIT_THREADS = envint("STAGING_SUBMIT_THREADS", 6)
STAGING_RETENTION_DAYS = envint("STAGING_RETENTION_DAYS", 7)  # keep landed staged files this long; 0 = at once
# How a typed or pasted date such as 03/04/2026 is read when its numbers do not tell: "DMY" (day
# first, 3 April) or "MDY" (month first, 4 March). 14/03/2026 and 03/14/2026 are read either way.
STAGING_DATE_ORDER = env("STAGING_DATE_ORDER", "DMY").upper()
if STAGING_DATE_ORDER not in {"DMY", "MDY"}:
    raise ImproperlyConfigured("STAGING_DATE_ORDER is DMY or MDY")
# The largest file a person may stage, in bytes (2 GiB), and the largest CSV import (20 MiB).
STAGING_MAX_FILE_SIZE = envint("STAGING_MAX_FILE_SIZE", 2 * 1024**3)
STAGING_MAX_CSV_SIZE = envint("STAGING_MAX_CSV_SIZE", 20 * 1024**2)
# Reading documents in the worker: how long a worker's claim on one lasts (s), and how many pages
# of a set are read at most.
STAGING_READ_LEASE = envint("STAGING_READ_LEASE", 600)
STAGING_READ_MAX_PAGES = envint("STAGING_READ_MAX_PAGES", 1000)
# A zip file is expanded only within these: files in it, bytes it unpacks to, and how many times
# over one member may be compressed (a zip bomb is compressed thousands of times).
STAGING_ZIP_MAX_FILES = envint("STAGING_ZIP_MAX_FILES", 1000)
STAGING_ZIP_MAX_TOTAL = envint("STAGING_ZIP_MAX_TOTAL", 4 * 1024**3)
STAGING_ZIP_MAX_RATIO = envint("STAGING_ZIP_MAX_RATIO", 100)
# Visual compare with the current revision: pages are rendered at COMPARE_DPI, lowered so a page
# holds at most COMPARE_MAX_PIXELS (bounded worker memory for A0/A1 sheets); downloaded current
# revisions are kept for compares COMPARE_CACHE_DAYS after their last use.
COMPARE_DPI = envint("COMPARE_DPI", 100)
COMPARE_MAX_PIXELS = envint("COMPARE_MAX_PIXELS", 12_000_000)
COMPARE_CACHE_DAYS = envint("COMPARE_CACHE_DAYS", 30)
# Browsers send files in parts of this size (bytes; S3 needs at least 5 MiB but for the last part).
STAGING_UPLOAD_PART_SIZE = envint("STAGING_UPLOAD_PART_SIZE", 16 * 1024**2)
# An upload not finished within this many hours is aborted and its parts removed.
STAGING_UPLOAD_EXPIRY_HOURS = envint("STAGING_UPLOAD_EXPIRY_HOURS", 24)
# Any other request body over this many bytes is refused before it is read.
REQUEST_MAX_BODY_SIZE = envint("REQUEST_MAX_BODY_SIZE", 25 * 1024**2)
# Files arrive in parts; whatever multipart form is left (a CSV import) spools to disk, never memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# Health checks come over plain HTTP from inside the network (load balancer, container runtime).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# The proxies whose forwarded headers are believed (addresses or networks, "*" for any; none by
# default). gunicorn reads the same variable (gunicorn.conf.py) and sets the scheme from
# X-Forwarded-Proto only for them, so Django never reads that header itself: gunicorn passes it
# through from any client. See portal/forwarded.py.
FORWARDED_ALLOW_IPS = envlist("FORWARDED_ALLOW_IPS")
for _entry in FORWARDED_ALLOW_IPS:
    if _entry != "*":
        try:
            ipaddress.ip_network(_entry)  # strict, as gunicorn checks it
        except ValueError as exc:
            raise ImproperlyConfigured(f"FORWARDED_ALLOW_IPS: {exc}") from None
SECURE_PROXY_SSL_HEADER = None
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- I18N ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
# The portal speaks English only (no LocaleMiddleware). With translation off, Django no longer looks
# up the active language and its catalogues on every URL it reverses, date it formats and string it
# translates: about a tenth of a search page's Python calls.
USE_I18N = False
USE_TZ = True

# --- Email --------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "portal@localhost")

# --- Logging ------------------------------------------------------------------------------
# One JSON object per line on stdout in production (LOG_FORMAT=json), readable lines in development.
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOG_FORMAT = env("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d %(thread)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT if LOG_FORMAT in {"plain", "json"} else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "portal.procore": {"level": env("PROCORE_LOG_LEVEL", LOG_LEVEL)},
    },
}
