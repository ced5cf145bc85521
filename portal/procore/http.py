"""The one seam for HTTP calls to Procore's REST API.

A `ProcoreClient` serves one identity (a user or the service account) in one company: it adds
the bearer token and the `Procore-Company-Id` header, applies timeouts, turns failures into
typed errors, refreshes the token once on a 401, and logs each call at debug level without
tokens or secrets.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

import requests
from django.conf import settings

from .errors import AuthenticationError, ProcoreError, TransportError, from_response

log = logging.getLogger("portal.procore")

# Paths Procore serves without the company header (except for a DMSA, which sends it anyway).
COMPANY_HEADER_EXEMPT = ("/rest/v1.0/me", "/rest/v1.0/companies")


class TokenSource(Protocol):
    """Where a client gets its bearer token."""

    def access_token(self) -> str:
        """A token that is not about to expire."""

    def refresh_after_rejection(self, rejected: str) -> str:
        """Procore answered 401 with `rejected`: return a token worth one more try."""


class ProcoreClient:
    def __init__(
        self,
        tokens: TokenSource,
        company_id: int | str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.tokens = tokens
        self.company_id = str(company_id) if company_id is not None else None
        self.base_url = (base_url or settings.PROCORE_API_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.PROCORE_TIMEOUT
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "procore-document-portal/0.1"})

    def for_company(self, company_id: int | str) -> ProcoreClient:
        """The same identity and connection pool, another company."""
        return ProcoreClient(self.tokens, company_id, base_url=self.base_url, timeout=self.timeout,
                             session=self.session)

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}{path_or_url}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """Send one request; return the response or raise a ProcoreError."""
        token = self.tokens.access_token()
        response = self._send(method, path, token, params=params, json=json, headers=headers)
        if response.status_code == 401:
            token = self.tokens.refresh_after_rejection(token)
            response = self._send(method, path, token, params=params, json=json, headers=headers)
        if response.status_code >= 400:
            raise from_response(response)
        return response

    def _send(self, method: str, path: str, token: str, *, params: Any, json: Any,
              headers: dict[str, str] | None) -> requests.Response:
        url = self.url(path)
        all_headers = {"Authorization": f"Bearer {token}"}
        if self.company_id is not None:
            all_headers["Procore-Company-Id"] = self.company_id
        if headers:
            all_headers.update(headers)
        started = time.monotonic()
        try:
            response = self.session.request(method, url, params=params, json=json, headers=all_headers,
                                            timeout=self.timeout)
        except requests.RequestException as exc:
            log.debug("%s %s failed: %s", method, _log_path(url), type(exc).__name__)
            raise TransportError(f"Procore could not be reached ({type(exc).__name__}).", method=method,
                                 path=_log_path(url)) from exc
        log.debug(
            "%s %s status=%s duration_ms=%.0f rate_limit_remaining=%s",
            method, _log_path(url), response.status_code, (time.monotonic() - started) * 1000,
            response.headers.get("X-Rate-Limit-Remaining", "-"),
        )
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.get(path, **kwargs).json()

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)


def _log_path(url: str) -> str:
    """The path only: query strings may carry signatures."""
    return url.split("?", 1)[0]


__all__ = ["ProcoreClient", "TokenSource", "ProcoreError", "AuthenticationError"]
