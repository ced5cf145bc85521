"""Sign-in policy: people come in through Procore only; failures explain themselves."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthError
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect

from portal.procore.errors import ProcoreError, friendly_message

from .models import User


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # No local sign-up: accounts are created by signing in with Procore.
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return True

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict) -> Any:
        user = super().populate_user(request, sociallogin, data)
        extra = sociallogin.account.extra_data
        user.procore_user_id = int(extra["id"])
        # Never fall back to allauth's sign-up form: a name already taken (say, by a local admin
        # account) gets a unique variant instead.
        if User.objects.filter(username__iexact=user.username).exists():
            user.username = get_account_adapter().generate_unique_username([user.username, f"procore-{extra['id']}"])
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Exception | None = None,
        extra_context: Any = None,
    ) -> None:
        state_unknown = bool(extra_context) and "state_id" in extra_context
        messages.error(request, sign_in_error_message(request, error, exception, state_unknown=state_unknown))
        raise ImmediateHttpResponse(redirect("account_login"))


def sign_in_error_message(
    request: HttpRequest, error: Any, exception: Exception | None, *, state_unknown: bool = False
) -> str:
    """Say what went wrong with a sign-in in words a person can act on."""
    if state_unknown:
        return (
            "The sign-in could not be verified: it may have expired, been started in another window, "
            "or been tampered with. Please sign in again."
        )
    if error == AuthError.CANCELLED or request.GET.get("error") == "access_denied":
        return "Sign-in was cancelled in Procore. You can try again."
    if request.GET.get("error"):
        detail = request.GET.get("error_description") or request.GET["error"]
        return f"Procore could not sign you in: {detail}"
    if "code" not in request.GET and not exception:
        return "The answer from Procore had no authorization code. Please sign in again."
    cause = getattr(exception, "__cause__", None)
    if isinstance(cause, ProcoreError):
        return friendly_message(cause)
    if exception is not None:
        return (
            "Procore did not complete the sign-in. Please try again; if it keeps failing, contact your administrator."
        )
    return "The sign-in could not be verified (it may have expired or been started in another window). Please sign in again."
