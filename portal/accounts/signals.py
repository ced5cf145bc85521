"""Keep the Procore tokens of every sign-in in the encrypted store."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from .providers.procore.provider import ProcoreProvider
from .tokens import store_tokens


@receiver(user_logged_in)
def store_procore_tokens(sender: Any, request: Any, user: Any, sociallogin: Any = None, **kwargs: Any) -> None:
    if sociallogin is None or sociallogin.account.provider != ProcoreProvider.id or sociallogin.token is None:
        return
    data = sociallogin.account.extra_data
    store_tokens(
        user,
        procore_user_id=int(data["id"]),
        login=str(data.get("login", "")),
        access_token=sociallogin.token.token,
        refresh_token=sociallogin.token.token_secret,
        expires_at=sociallogin.token.expires_at,
    )
