from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from .crypto import decrypt, encrypt


class User(AbstractUser):
    """A person using the portal; signs in with Procore."""

    procore_user_id = models.BigIntegerField(null=True, blank=True, unique=True)
    # When the list of projects this person may see was last read from Procore.
    projects_synced_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ProcoreCredential(models.Model):
    """A user's Procore OAuth tokens, encrypted at rest.

    Procore refresh tokens are single-use, so refreshes are serialised on this row
    (see portal.accounts.tokens).
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="procore_credential")
    procore_user_id = models.BigIntegerField()
    login = models.CharField(max_length=254)
    access_token_encrypted = models.TextField()
    refresh_token_encrypted = models.TextField(blank=True)
    expires_at = models.DateTimeField()
    # A worker that is refreshing holds this lease; others wait for its result.
    refresh_lease_until = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # Set when Procore refused the refresh token: the user must sign in again.
    invalid_since = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Procore credential of {self.login}"

    @property
    def access_token(self) -> str:
        return decrypt(self.access_token_encrypted)

    @property
    def refresh_token(self) -> str:
        return decrypt(self.refresh_token_encrypted) if self.refresh_token_encrypted else ""

    def set_tokens(self, access_token: str, refresh_token: str, expires_at) -> None:
        self.access_token_encrypted = encrypt(access_token)
        self.refresh_token_encrypted = encrypt(refresh_token) if refresh_token else ""
        self.expires_at = expires_at
        self.invalid_since = None

    def expires_soon(self) -> bool:
        margin = timedelta(seconds=settings.PROCORE_TOKEN_REFRESH_MARGIN)
        return timezone.now() + margin >= self.expires_at


class ServiceToken(models.Model):
    """The service account's access token (client credentials), encrypted; see portal.accounts.service.

    One row per client id, shared by every worker process instead of each asking Procore.
    """

    client_id = models.CharField(max_length=200, unique=True)
    access_token_encrypted = models.TextField()
    expires_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Service token of {self.client_id}"

    @property
    def access_token(self) -> str:
        return decrypt(self.access_token_encrypted)
