"""The service account's TokenSource: a Developer Managed Service Account through client credentials
(procore-api.md §2.2, §2.6).

Procore issues no refresh token for client credentials, so "refresh" means asking again. The token
is cached encrypted in the database (portal.accounts.models.ServiceToken, one row per client id)
so every worker process shares it instead of asking Procore each time; it is asked for again when
it is about to expire (PROCORE_TOKEN_REFRESH_MARGIN) or after Procore answered 401 to it.

Two workers asking at the same moment both get valid tokens (a client-credentials grant does not
invalidate an earlier one), so no lease is needed: the last one saved wins.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from portal.accounts.crypto import encrypt
from portal.accounts.models import ServiceToken
from portal.procore import auth


def service_account_configured() -> bool:
    return bool(settings.PROCORE_SERVICE_CLIENT_ID and settings.PROCORE_SERVICE_CLIENT_SECRET)


class ServiceTokenSource:
    """TokenSource (portal.procore.http) of the service account; `client_id` keys the rate-limit budget."""

    def __init__(self, client_id: str | None = None, client_secret: str | None = None) -> None:
        self.client_id = client_id or settings.PROCORE_SERVICE_CLIENT_ID
        self.client_secret = client_secret or settings.PROCORE_SERVICE_CLIENT_SECRET

    def _row(self) -> ServiceToken | None:
        return ServiceToken.objects.filter(client_id=self.client_id).first()

    def _fetch(self) -> str:
        pair = auth.client_credentials(self.client_id, self.client_secret)
        ServiceToken.objects.update_or_create(
            client_id=self.client_id,
            defaults={"access_token_encrypted": encrypt(pair.access_token), "expires_at": pair.expires_at},
        )
        return pair.access_token

    def access_token(self) -> str:
        row = self._row()
        margin = timedelta(seconds=settings.PROCORE_TOKEN_REFRESH_MARGIN)
        if row is not None and row.expires_at - margin > timezone.now():
            return row.access_token
        return self._fetch()

    def refresh_after_rejection(self, rejected: str) -> str:
        row = self._row()
        if row is not None and row.access_token != rejected and row.expires_at > timezone.now():
            return row.access_token  # another worker already asked for a new one
        return self._fetch()
