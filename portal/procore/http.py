"""The one seam for HTTP calls to Procore's REST API (procore-api.md §3).

A `ProcoreClient` serves one identity (a user or the service account) in one company, over one
`requests.Session`. For every call it:

- waits for the shared rate-limit budget of (app client id, company) and folds each response's
  `X-Rate-Limit-*` headers back into it (portal.throttle.budget), so every process of the
  portal together stays under Procore's hourly and spike limits. The client draws on the budget
  in the lane and flow of the context it was built in (`ticket`, portal.throttle.lanes): a web
  request, a submission, a sync or webhook processing;
- adds the bearer token and `Procore-Company-Id`, with connect and read timeouts;
- refreshes the token once on a 401 (expiry ahead of time is the TokenSource's job);
- retries where that is safe: 429 (the gateway refused it before anything happened) after
  `Retry-After`; dropped connections, timeouts, 500/502/503/504 only for GET/HEAD/OPTIONS/PUT/DELETE
  and for POST/PATCH calls marked `retry_safe=True` (e.g. PDM's bulk PATCH), with exponential
  backoff and jitter, or `Retry-After` when given. A POST that is not marked (PDM create uploads)
  is never repeated after it may have reached Procore: the caller gets a TransportError whose
  `maybe_applied` is true and whose message says so. A connection that never opened is retried
  for every method. Every pause goes through portal.throttle.clock, as the budget's waits do, so
  tests run them on simulated time;
- turns failures into typed errors (portal.procore.errors);
- logs each attempt at debug level: method, path (never the query string, which may carry
  signatures), status, duration, attempt and rate-limit remaining — never tokens or secrets.

The bearer token goes only to the API origin (procore-api.md §3.7): absolute URLs on another
host are refused.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from django.db import transaction

from portal.throttle import budget, clock, lanes
from portal.throttle.lanes import Ticket

from . import ratelimit
from .errors import AuthenticationError, ProcoreError, RateLimited, TransportError, from_response, parse_retry_after

log = logging.getLogger("portal.procore")

# Paths Procore serves without the company header (except for a DMSA, which sends it anyway).
COMPANY_HEADER_EXEMPT = ("/rest/v1.0/me", "/rest/v1.0/companies")
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
MAX_ATTEMPTS = 5  # for dropped connections, timeouts and 5xx
MAX_RATE_LIMITED = 20  # 429s ridden out before giving up
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
MAX_WAIT = 900.0  # a Retry-After or budget wait longer than this is the caller's problem


class TokenSource(Protocol):
    """Where a client gets its bearer token.

    A source may also carry a `client_id` attribute naming the OAuth app the token belongs to
    (the service account's app, say): the rate-limit budget is keyed by it. Without one the
    portal's own app (settings.PROCORE_CLIENT_ID) is assumed.
    """

    def access_token(self) -> str:
        """A token that is not about to expire."""

    def refresh_after_rejection(self, rejected: str) -> str:
        """Procore answered 401 with `rejected`: return a token worth one more try (the same
        token means none: the client raises the 401)."""


class BearerToken:
    """A fixed token (scripts, benchmarks): a 401 cannot be repaired."""

    def __init__(self, token: str, client_id: str | None = None) -> None:
        self.token = token
        if client_id:
            self.client_id = client_id

    def access_token(self) -> str:
        return self.token

    def refresh_after_rejection(self, rejected: str) -> str:
        return rejected  # nothing better to offer: the client raises the 401


def backoff(attempt: int) -> float:
    """Full-jitter exponential backoff: a random pause up to base·2^(attempt-1), capped."""
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the connection never opened, so Procore cannot have seen the request."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError))


class ProcoreClient:
    def __init__(
        self,
        tokens: TokenSource,
        company_id: int | str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        session: requests.Session | None = None,
        client_id: str | None = None,
        rate_limit: bool = True,
        max_wait: float = MAX_WAIT,
        ticket: Ticket | None = None,
    ) -> None:
        self.tokens = tokens
        self.company_id = str(company_id) if company_id is not None else None
        self.base_url = (base_url or settings.PROCORE_API_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.PROCORE_TIMEOUT
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "procore-document-portal/0.1"})
        self.client_id = client_id or getattr(tokens, "client_id", None) or settings.PROCORE_CLIENT_ID
        self.rate_limit = rate_limit
        self.max_wait = max_wait
        # The lane and flow this client's calls draw on the budget in: the caller's context when
        # the client is built (a worker thread builds its own client with its parent's ticket).
        self.ticket = ticket or lanes.current()
        self._origin = _origin(self.base_url)

    @property
    def budget_key(self) -> str:
        return ratelimit.budget_key(self.client_id, self.company_id)

    def for_company(self, company_id: int | str) -> ProcoreClient:
        """The same identity and connection pool, another company."""
        return ProcoreClient(
            self.tokens,
            company_id,
            base_url=self.base_url,
            timeout=self.timeout,
            session=self.session,
            client_id=self.client_id,
            rate_limit=self.rate_limit,
            max_wait=self.max_wait,
            ticket=self.ticket,
        )

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            if _origin(path_or_url) != self._origin:
                raise ValueError("Refusing to send the Procore token to another host.")
            return path_or_url
        return f"{self.base_url}{path_or_url}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        retry_safe: bool | None = None,
        timeout: float | None = None,
        allow_redirects: bool = True,
    ) -> requests.Response:
        """Send one request, retrying where safe; return the response or raise a ProcoreError.

        `retry_safe` marks a POST/PATCH as safe to repeat; GET, HEAD, OPTIONS, PUT and DELETE are.
        `allow_redirects=False` returns a redirect as it is: a download's 302 points at storage,
        which must be read without the token (procore-api.md §3.7).
        """
        method = method.upper()
        safe = method in IDEMPOTENT_METHODS if retry_safe is None else retry_safe
        # A streamed body (a file, a generator) is spent by the first attempt: never resend it.
        replayable = data is None or isinstance(data, (bytes, str, dict, list, tuple))
        safe = safe and replayable
        url = self.url(path)
        token = self.tokens.access_token()
        refreshed = False
        failures = 0
        rate_limited = 0
        while True:
            self._wait_for_budget(method, url)
            try:
                response = self._send(
                    method,
                    url,
                    token,
                    params=params,
                    json=json,
                    data=data,
                    headers=headers,
                    timeout=timeout,
                    attempt=failures + rate_limited + 1,
                    allow_redirects=allow_redirects,
                )
            except requests.RequestException as exc:
                failures += 1
                never_sent = _never_sent(exc)
                if self.rate_limit:
                    budget.release(self.budget_key, never_sent=never_sent)
                if (safe or (never_sent and replayable)) and failures < MAX_ATTEMPTS:
                    clock.sleep(backoff(failures))
                    continue
                raise self._transport_error(method, url, exc, maybe_applied=not never_sent and not safe) from exc
            status = response.status_code
            retry_after = _retry_after(response)
            if status == 401 and not refreshed:
                refreshed = True
                fresh = self.tokens.refresh_after_rejection(token)
                if fresh != token:
                    token = fresh
                    continue
            if status == 429 and replayable and rate_limited < MAX_RATE_LIMITED - 1:
                rate_limited += 1
                if (retry_after or 0) > self.max_wait:
                    raise from_response(response)
                if not self.rate_limit:
                    clock.sleep(
                        (retry_after if retry_after is not None else backoff(rate_limited)) + random.uniform(0, 0.1)
                    )
                continue  # the shared budget holds every process back until Retry-After
            if status in RETRYABLE_STATUSES and safe and failures < MAX_ATTEMPTS - 1:
                failures += 1
                if retry_after is not None and retry_after > self.max_wait:
                    raise from_response(response)
                pause = (
                    retry_after + random.uniform(0, 0.1 + retry_after / 10)
                    if retry_after is not None
                    else backoff(failures)
                )
                clock.sleep(pause)
                continue
            if status >= 400:
                raise from_response(response)
            return response

    def _wait_for_budget(self, method: str, url: str) -> None:
        if not self.rate_limit:
            return
        if transaction.get_connection().in_atomic_block:
            # The budget row would stay locked through the HTTP call, holding back every other
            # process (and, on SQLite, the embedded sandbox itself).
            log.warning("Procore call %s %s made inside a database transaction", method, _log_path(url))
        try:
            waited = budget.acquire(self.budget_key, self.ticket, max_wait=self.max_wait)
        except budget.BudgetExhausted as exc:
            raise RateLimited(str(exc), status=429, method=method, path=_log_path(url), retry_after=exc.wait) from None
        if waited > 0.5:
            log.debug("%s %s waited %.1f s for the rate-limit budget", method, _log_path(url), waited)

    def _send(
        self,
        method: str,
        url: str,
        token: str,
        *,
        params: Any,
        json: Any,
        data: Any,
        headers: dict[str, str] | None,
        timeout: float | None,
        attempt: int,
        allow_redirects: bool = True,
    ) -> requests.Response:
        all_headers = {"Authorization": f"Bearer {token}"}
        if self.company_id is not None:
            all_headers["Procore-Company-Id"] = self.company_id
        if headers:
            all_headers.update(headers)
        read_timeout = timeout if timeout is not None else self.timeout
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=all_headers,
                timeout=(min(10.0, read_timeout), read_timeout),
                allow_redirects=allow_redirects,
            )
        except requests.RequestException as exc:
            log.debug(
                "%s %s attempt=%s failed: %s duration_ms=%.0f",
                method,
                _log_path(url),
                attempt,
                type(exc).__name__,
                (time.monotonic() - started) * 1000,
            )
            raise
        log.debug(
            "%s %s status=%s duration_ms=%.0f attempt=%s rate_limit_remaining=%s",
            method,
            _log_path(url),
            response.status_code,
            (time.monotonic() - started) * 1000,
            attempt,
            response.headers.get("X-Rate-Limit-Remaining", "-"),
        )
        if self.rate_limit:
            budget.observe(
                self.budget_key,
                ratelimit.parse(response.headers),
                status=response.status_code,
                retry_after=_retry_after(response),
                lane=self.ticket.lane,
            )
        return response

    def _transport_error(self, method: str, url: str, exc: Exception, *, maybe_applied: bool) -> TransportError:
        if maybe_applied:
            message = (
                f"The connection to Procore was lost during {method} {_log_path(url)}; the request may or "
                "may not have been applied. Check in Procore before repeating it."
            )
        else:
            message = f"Procore could not be reached ({type(exc).__name__})."
        return TransportError(message, method=method, path=_log_path(url), maybe_applied=maybe_applied)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.get(path, **kwargs).json()

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


def _retry_after(response: requests.Response) -> float | None:
    return parse_retry_after(response.headers.get("Retry-After"))


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _log_path(url: str) -> str:
    """The path only: query strings may carry signatures."""
    return urlsplit(url).path


__all__ = ["ProcoreClient", "TokenSource", "BearerToken", "ProcoreError", "AuthenticationError"]
