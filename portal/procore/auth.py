"""Procore's OAuth token endpoint (procore-api.md §2.2–§2.4).

Plain functions over `requests`; the token store that decides *when* to refresh lives in
portal.accounts.tokens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.utils import timezone

from .errors import ProcoreError, ReauthorizationRequired, TransportError, from_response

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime

    @classmethod
    def from_body(cls, body: dict) -> TokenPair:
        expires_in = int(body.get("expires_in") or 5400)
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token") or ""),
            expires_at=timezone.now() + timedelta(seconds=expires_in),
        )


def token_url() -> str:
    return f"{settings.PROCORE_LOGIN_URL}/oauth/token"


def _post_token(data: dict[str, str]) -> TokenPair:
    grant = data.get("grant_type", "")
    try:
        response = requests.post(token_url(), data=data, timeout=settings.PROCORE_TIMEOUT)
    except requests.RequestException as exc:
        raise TransportError(
            f"Procore's sign-in service could not be reached ({type(exc).__name__}).",
            method="POST",
            path="/oauth/token",
        ) from exc
    log.debug("POST /oauth/token grant=%s status=%s", grant, response.status_code)
    if response.status_code >= 400:
        error = from_response(response)
        if error.code in {"invalid_grant"} and grant == "refresh_token":
            raise ReauthorizationRequired(
                error.message, status=error.status, code=error.code, method="POST", path="/oauth/token"
            )
        raise error
    try:
        return TokenPair.from_body(response.json())
    except (ValueError, KeyError) as exc:
        raise ProcoreError(
            "Procore's token endpoint returned an unreadable answer.", status=response.status_code
        ) from exc


def refresh(refresh_token: str) -> TokenPair:
    """Trade a refresh token for a new pair. The old refresh token is dead afterwards."""
    return _post_token(
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": settings.PROCORE_CLIENT_ID,
            "client_secret": settings.PROCORE_CLIENT_SECRET,
        }
    )


def client_credentials(client_id: str, client_secret: str) -> TokenPair:
    """A service-account (DMSA) token; Procore returns no refresh token for it."""
    return _post_token({"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret})


def revoke(token: str) -> None:
    """Revoke an access token and its refresh token. Procore answers 200 even for unknown tokens."""
    try:
        requests.post(
            f"{settings.PROCORE_LOGIN_URL}/oauth/revoke",
            data={
                "token": token,
                "client_id": settings.PROCORE_CLIENT_ID,
                "client_secret": settings.PROCORE_CLIENT_SECRET,
            },
            timeout=settings.PROCORE_TIMEOUT,
        )
    except requests.RequestException:
        log.warning("Could not reach Procore to revoke a token")
