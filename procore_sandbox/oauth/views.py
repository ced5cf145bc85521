"""OAuth 2.0 as Procore serves it (procore-api.md §2).

- Authorization codes are single-use and live 10 minutes; reusing one also revokes the tokens
  it produced (RFC 6749 §4.1.2).
- Access tokens live `SANDBOX_ACCESS_TOKEN_TTL` seconds (5,400 as in Procore).
- Refresh tokens are single-use: a refresh returns a new pair and kills the old refresh token.
- client_credentials (a DMSA) returns no refresh token.
- Client authentication is accepted in the body or by HTTP Basic; token requests may be
  form-urlencoded, multipart or JSON.
- Token-endpoint errors use RFC 6749 bodies (``{"error", "error_description"}``), which
  Procore's docs do not show.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from procore_sandbox.http import ApiError, bearer_token, error_response
from procore_sandbox.models import AccessToken, App, AuthorizationCode, Person


def access_token_ttl() -> int:
    return settings.SANDBOX_ACCESS_TOKEN_TTL


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _oauth_error(error: OAuthError) -> JsonResponse:
    response = JsonResponse({"error": error.error, "error_description": error.description}, status=error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="Procore"'
    return response


def _with_query(uri: str, params: dict[str, str]) -> str:
    parts = urlparse(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunparse(parts._replace(query=urlencode(query)))


def issue_token(app: App, person: Person, *, code: AuthorizationCode | None = None) -> AccessToken:
    """Create a token; user grants get a refresh token, a DMSA does not."""
    now = timezone.now()
    return AccessToken.objects.create(
        app=app,
        person=person,
        authorization_code=code,
        refresh_token=None if person.is_service_account else secrets.token_hex(32),
        created_at=now,
        expires_at=now + timedelta(seconds=access_token_ttl()),
    )


def token_body(token: AccessToken) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": token.access_token,
        "token_type": "bearer",
        "expires_in": max(0, int((token.expires_at - token.created_at).total_seconds())),
        "created_at": int(token.created_at.timestamp()),
    }
    if token.refresh_token:
        body["refresh_token"] = token.refresh_token
    return body


# --- /oauth/authorize ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """The Procore sign-in page: pick a sandbox user, enter the password, approve."""
    params = request.POST if request.method == "POST" else request.GET
    client_id = params.get("client_id", "")
    redirect_uri = params.get("redirect_uri", "")
    state = params.get("state", "")
    response_type = params.get("response_type", "")

    app = App.objects.filter(client_id=client_id).first()
    # Never redirect to an unregistered URI: show the error here (RFC 6749 §4.1.2.1).
    if app is None:
        return _authorize_error(request, "Unknown application", "No application is registered with this client id.")
    if not app.allows_redirect(redirect_uri):
        return _authorize_error(
            request,
            "Redirect URI mismatch",
            "The redirect URI in the request does not match one registered for this application.",
        )

    def back(**extra: str) -> HttpResponseRedirect:
        query = dict(extra)
        if state:
            query["state"] = state
        return HttpResponseRedirect(_with_query(redirect_uri, query))

    if response_type != "code":
        return back(error="unsupported_response_type", error_description="Only response_type=code is supported.")

    people = Person.objects.filter(is_service_account=False).exclude(password="").order_by("id")
    context = {
        "app": app,
        "people": people,
        "params": {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": response_type,
        },
    }

    if request.method == "GET":
        return render(request, "sandbox/authorize.html", context)

    if "deny" in request.POST:
        return back(error="access_denied", error_description="The user denied the request.")

    person = people.filter(login=request.POST.get("login", "")).first()
    if person is None or not person.check_password(request.POST.get("password", "")):
        context["error"] = "The login or password is not correct."
        context["selected_login"] = request.POST.get("login", "")
        return render(request, "sandbox/authorize.html", context, status=200)

    code = AuthorizationCode.objects.create(app=app, person=person, redirect_uri=redirect_uri)
    return back(code=code.code)


def _authorize_error(request: HttpRequest, title: str, message: str) -> HttpResponse:
    return render(request, "sandbox/authorize_error.html", {"title": title, "message": message}, status=400)


# --- /oauth/token ----------------------------------------------------------------------------


def _request_params(request: HttpRequest) -> dict[str, str]:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise OAuthError("invalid_request", "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise OAuthError("invalid_request", "The request body must be a JSON object.")
        return {key: str(value) for key, value in data.items() if value is not None}
    return {key: request.POST.get(key, "") for key in request.POST}


def _client(request: HttpRequest, params: dict[str, str]) -> App:
    client_id = params.get("client_id", "")
    client_secret = params.get("client_secret", "")
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed HTTP Basic credentials.", 401) from None
        client_id, _, client_secret = decoded.partition(":")
    app = App.objects.filter(client_id=client_id).first()
    if app is None or not client_secret or not _equal(app.client_secret, client_secret):
        raise OAuthError("invalid_client", "Client authentication failed.", 401)
    return app


def _equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@csrf_exempt
@require_http_methods(["POST"])
def token(request: HttpRequest) -> HttpResponse:
    try:
        params = _request_params(request)
        app = _client(request, params)
        grant_type = params.get("grant_type", "")
        if grant_type == "authorization_code":
            issued = _grant_authorization_code(app, params)
        elif grant_type == "refresh_token":
            issued = _grant_refresh_token(app, params)
        elif grant_type == "client_credentials":
            issued = _grant_client_credentials(app)
        else:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant type: {grant_type or '(none)'}.")
    except OAuthError as error:
        return _oauth_error(error)
    response = JsonResponse(token_body(issued))
    response["Cache-Control"] = "no-store"
    return response


def _grant_authorization_code(app: App, params: dict[str, str]) -> AccessToken:
    value = params.get("code", "")
    if not value:
        raise OAuthError("invalid_request", "The code parameter is required.")
    with transaction.atomic():
        code = AuthorizationCode.objects.select_for_update().filter(code=value, app=app).first()
        if code is None or code.expired:
            raise OAuthError("invalid_grant", "The authorization code is invalid or has expired.")
        replayed = code.used_at is not None
        if replayed:
            # A replayed code: refuse it and revoke what it produced (committed before raising).
            AccessToken.objects.filter(authorization_code=code, revoked_at=None).update(revoked_at=timezone.now())
    if replayed:
        raise OAuthError("invalid_grant", "The authorization code has already been used.")
    with transaction.atomic():
        code = AuthorizationCode.objects.select_for_update().get(pk=code.pk)
        if code.used_at is not None:
            raise OAuthError("invalid_grant", "The authorization code has already been used.")
        if params.get("redirect_uri", "") != code.redirect_uri:
            raise OAuthError("invalid_grant", "The redirect URI does not match the one used to authorize.")
        code.used_at = timezone.now()
        code.save(update_fields=["used_at"])
        return issue_token(app, code.person, code=code)


def _grant_refresh_token(app: App, params: dict[str, str]) -> AccessToken:
    value = params.get("refresh_token", "")
    if not value:
        raise OAuthError("invalid_request", "The refresh_token parameter is required.")
    with transaction.atomic():
        old = AccessToken.objects.select_for_update().filter(refresh_token=value, app=app).first()
        if old is None or old.refresh_used_at is not None or old.revoked_at is not None:
            raise OAuthError("invalid_grant", "The refresh token is invalid, revoked or already used.")
        old.refresh_used_at = timezone.now()
        old.save(update_fields=["refresh_used_at"])
        return issue_token(app, old.person, code=old.authorization_code)


def _grant_client_credentials(app: App) -> AccessToken:
    if app.service_account is None:
        raise OAuthError("unauthorized_client", "This application has no service account installed.")
    return issue_token(app, app.service_account)


# --- /oauth/revoke and /oauth/token/info ----------------------------------------------------


@csrf_exempt
@require_http_methods(["POST"])
def revoke(request: HttpRequest) -> HttpResponse:
    """Revoke the access token and its refresh token; 200 whether or not the token exists."""
    try:
        params = _request_params(request)
    except OAuthError:
        params = {}
    value = params.get("token", "")
    if value:
        now = timezone.now()
        AccessToken.objects.filter(access_token=value, revoked_at=None).update(revoked_at=now)
        AccessToken.objects.filter(refresh_token=value, revoked_at=None).update(revoked_at=now)
    return JsonResponse({})


@require_http_methods(["GET"])
def token_info(request: HttpRequest) -> HttpResponse:
    try:
        current = bearer_token(request)
    except ApiError as error:
        return error_response(request, error)
    return JsonResponse(
        {
            "resource_owner_id": current.person.id,
            "scopes": ["public"],
            "expires_in_seconds": max(0, int((current.expires_at - timezone.now()).total_seconds())),
            "application": {"uid": current.app.client_id},
            "created_at": int(current.created_at.timestamp()),
        }
    )
