from __future__ import annotations

from typing import Any

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider

from .views import ProcoreOAuth2Adapter


class ProcoreAccount(ProviderAccount):
    def to_str(self) -> str:
        return self.account.extra_data.get("login") or super().to_str()


class ProcoreProvider(OAuth2Provider):
    id = "procore"
    name = "Procore"
    account_class = ProcoreAccount
    oauth2_adapter_class = ProcoreOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        # Procore has no OAuth scopes; permissions come from the user's Procore roles.
        return []

    def extract_uid(self, data: dict[str, Any]) -> str:
        return str(data["id"])

    def extract_common_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        name = (data.get("name") or "").strip()
        first, _, last = name.partition(" ")
        login = data.get("login") or ""
        return {"username": login, "email": login if "@" in login else "", "first_name": first, "last_name": last}


provider_classes = [ProcoreProvider]
