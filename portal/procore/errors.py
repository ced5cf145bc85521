"""Typed Procore errors built from v1 bodies and the v2 envelope (procore-api.md §3.6).

Callers branch on the class or on `reason_codes`; `message` is for people.
`permanent` says whether repeating the same request can help.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests


@dataclass
class ErrorDetail:
    reason_code: str
    message: str
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class ProcoreError(Exception):
    """Any failure talking to Procore."""

    permanent = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        details: list[ErrorDetail] | None = None,
        method: str = "",
        path: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details or []
        self.method = method
        self.path = path
        self.retry_after = retry_after

    @property
    def reason_codes(self) -> list[str]:
        return [d.reason_code for d in self.details if d.reason_code]

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method else ""
        status = f"{self.status} " if self.status else ""
        return f"{status}{self.message}{where}"


class TransportError(ProcoreError):
    """No answer: connection refused or dropped, timeout.

    `maybe_applied` is true when the request may have reached Procore before the connection
    was lost (a non-idempotent call the client did not repeat): check before sending it again.
    """

    permanent = False

    def __init__(self, message: str, *, maybe_applied: bool = False, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.maybe_applied = maybe_applied


class AuthenticationError(ProcoreError):
    """401: the token is missing, expired or revoked."""


class ReauthorizationRequired(AuthenticationError):
    """The refresh token was refused: the person must sign in with Procore again."""


class PermissionDenied(ProcoreError):
    """403: no permission, app not connected to the company, tool disabled."""


class NotFound(ProcoreError):
    """404: the resource does not exist or the caller may not see it."""


class Conflict(ProcoreError):
    """409: a conflict or a duplicate."""


class ValidationFailed(ProcoreError):
    """400/406/422: the request was refused as invalid."""


class RateLimited(ProcoreError):
    """429: the hourly or spike budget is spent."""

    permanent = False


class ServerError(ProcoreError):
    """5xx: Procore failed or is overloaded."""

    permanent = False


_BY_STATUS: dict[int, type[ProcoreError]] = {
    400: ValidationFailed,
    401: AuthenticationError,
    403: PermissionDenied,
    404: NotFound,
    406: ValidationFailed,
    409: Conflict,
    422: ValidationFailed,
    429: RateLimited,
}

_FRIENDLY = {
    401: "Procore did not accept the sign-in; sign in with Procore again.",
    403: "Procore refused access: you may not have permission for this in Procore.",
    404: "Procore could not find this, or you may not see it.",
    429: "Procore's rate limit was reached; the request will be retried shortly.",
    500: "Procore had an internal error.",
    502: "Procore is temporarily unreachable.",
    503: "Procore is temporarily unavailable.",
    504: "Procore took too long to answer.",
}


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def from_response(response: requests.Response) -> ProcoreError:
    """Build the typed error for a failed response."""
    status = response.status_code
    code = ""
    details: list[ErrorDetail] = []
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        envelope = body["error"]
        code = str(envelope.get("code") or "")
        message = str(envelope.get("message") or "")
        for item in envelope.get("details") or []:
            if isinstance(item, dict):
                extra = {k: v for k, v in item.items() if k not in {"reason_code", "message", "source"}}
                details.append(
                    ErrorDetail(
                        str(item.get("reason_code") or ""),
                        str(item.get("message") or ""),
                        str(item.get("source") or ""),
                        extra,
                    )
                )
        # The top-level message is a summary ("Bad Request"); the details say what was wrong.
        specifics = [d.message for d in details if d.message and d.message != message]
        if specifics:
            message = f"{message}: {'; '.join(specifics)}" if message else "; ".join(specifics)
    elif isinstance(body, dict) and "errors" in body:
        errors = body["errors"]
        if isinstance(errors, dict):
            message = "; ".join(
                f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}" for k, v in errors.items()
            )
        elif isinstance(errors, list):
            message = "; ".join(map(str, errors))
        else:
            message = str(errors)
    elif isinstance(body, dict) and "error" in body:
        # OAuth (RFC 6749) bodies from the token endpoint.
        code = str(body["error"])
        message = str(body.get("error_description") or body["error"])
    elif isinstance(body, dict) and "message" in body:
        message = str(body["message"])
    if not message:
        text = (response.text or "").strip()
        message = (
            text[:200]
            if text and not text.lstrip().startswith("<")
            else _FRIENDLY.get(status, response.reason or "Error")
        )

    cls = _BY_STATUS.get(status, ServerError if status >= 500 else ProcoreError)
    request = response.request
    return cls(
        message,
        status=status,
        code=code,
        details=details,
        method=(request.method or "") if request is not None else "",
        path=_path_of((request.url or "") if request is not None else ""),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def _path_of(url: str) -> str:
    return urlsplit(url).path if url else ""


def friendly_message(error: ProcoreError) -> str:
    """A sentence a document controller can act on."""
    if isinstance(error, ReauthorizationRequired):
        return "Your Procore sign-in has ended. Sign in with Procore again."
    if isinstance(error, TransportError):
        return "Procore could not be reached. Check the connection and try again in a moment."
    if error.status in _FRIENDLY and not isinstance(error, ValidationFailed):
        return _FRIENDLY[error.status]
    return f"Procore refused the request: {error.message}"
