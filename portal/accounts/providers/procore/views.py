"""Procore's OAuth 2.0 authorization-code flow for allauth.

URLs come from settings at call time, so PROCORE_LOGIN_URL / PROCORE_API_URL can point at the
embedded sandbox, a Procore sandbox or production.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter, OAuth2CallbackView, OAuth2LoginView
from django.conf import settings
from django.http import HttpRequest

from portal.procore import core
from portal.procore.errors import ProcoreError
from portal.procore.http import BearerToken, ProcoreClient


class ProcoreOAuth2Adapter(OAuth2Adapter):
    provider_id = "procore"
    # Procore documents client credentials in the form body.
    basic_auth = False

    @property
    def authorize_url(self) -> str:
        return f"{settings.PROCORE_LOGIN_URL}/oauth/authorize"

    @property
    def access_token_url(self) -> str:
        return f"{settings.PROCORE_LOGIN_URL}/oauth/token"

    def complete_login(self, request: HttpRequest, app: Any, token: Any, **kwargs: Any) -> Any:
        try:
            profile = core.me(ProcoreClient(BearerToken(token.token)))
        except ProcoreError as exc:
            # allauth turns OAuth2Error into its authentication-error flow (a message, not a 500).
            raise OAuth2Error(str(exc)) from exc
        return self.get_provider().sociallogin_from_response(request, profile)


oauth2_login = OAuth2LoginView.adapter_view(ProcoreOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(ProcoreOAuth2Adapter)
