"""The encrypted Procore token store, and safe refreshes.

Procore refresh tokens are single-use: a refresh returns a new pair and kills the old refresh
token, even if the answer is lost. So only one process may refresh a credential at a time:

1. Take the row lock (`select_for_update`), re-read, and return if someone else has already
   refreshed. Otherwise claim a short lease on the row and release the lock.
2. Call Procore with no transaction open (on SQLite an open write transaction would block the
   embedded sandbox answering the call on the same database).
3. Save the new pair at once and clear the lease.

Anyone who finds a live lease waits for the new token instead of refreshing too.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal.procore import auth
from portal.procore.errors import ProcoreError, ReauthorizationRequired

from .models import ProcoreCredential, User

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=30)
WAIT_STEP = 0.05


def store_tokens(
    user: User, *, procore_user_id: int, login: str, access_token: str, refresh_token: str, expires_at
) -> ProcoreCredential:
    """Save the tokens Procore issued at sign-in."""
    credential = ProcoreCredential.objects.filter(user=user).first() or ProcoreCredential(user=user)
    credential.procore_user_id = procore_user_id
    credential.login = login
    credential.set_tokens(access_token, refresh_token, expires_at)
    credential.refresh_lease_until = None
    credential.save()
    return credential


def _claim_or_result(credential_id: int, rejected: str | None) -> tuple[bool, ProcoreCredential]:
    """Under the row lock: (True, row) if we now hold the lease, (False, row) otherwise."""
    with transaction.atomic():
        credential = ProcoreCredential.objects.select_for_update().get(pk=credential_id)
        if credential.invalid_since is not None:
            raise ReauthorizationRequired("The Procore sign-in has ended; sign in again.")
        already_fresh = not credential.expires_soon() and (rejected is None or credential.access_token != rejected)
        if already_fresh:
            return False, credential
        now = timezone.now()
        if credential.refresh_lease_until and credential.refresh_lease_until > now:
            return False, credential
        credential.refresh_lease_until = now + LEASE
        credential.save(update_fields=["refresh_lease_until"])
        return True, credential


def refresh_credential(credential_id: int, rejected: str | None = None) -> str:
    """Return a usable access token, refreshing it if needed; at most one refresh at a time.

    `rejected` is a token Procore just answered 401 to: refresh even if it looks unexpired.
    """
    deadline = time.monotonic() + LEASE.total_seconds() + 5
    while True:
        claimed, credential = _claim_or_result(credential_id, rejected)
        if claimed:
            break
        if credential.refresh_lease_until is None or credential.refresh_lease_until <= timezone.now():
            return credential.access_token  # someone else refreshed it
        if time.monotonic() > deadline:
            raise ProcoreError("Timed out waiting for another worker to refresh the Procore token.")
        time.sleep(WAIT_STEP)

    try:
        pair = auth.refresh(credential.refresh_token)
    except ReauthorizationRequired:
        ProcoreCredential.objects.filter(pk=credential_id).update(
            invalid_since=timezone.now(), refresh_lease_until=None
        )
        log.warning("Procore refused the refresh token of credential %s; the user must sign in again", credential_id)
        raise
    except ProcoreError:
        # The old refresh token may or may not be spent; release the lease and let the next
        # caller try (Procore answers invalid_grant if it was).
        ProcoreCredential.objects.filter(pk=credential_id).update(refresh_lease_until=None)
        raise

    credential.set_tokens(pair.access_token, pair.refresh_token or credential.refresh_token, pair.expires_at)
    credential.refresh_lease_until = None
    credential.refreshed_at = timezone.now()
    credential.save(
        update_fields=[
            "access_token_encrypted",
            "refresh_token_encrypted",
            "expires_at",
            "invalid_since",
            "refresh_lease_until",
            "refreshed_at",
            "updated_at",
        ]
    )
    return pair.access_token


class UserTokenSource:
    """The TokenSource of a signed-in user (see portal.procore.http.TokenSource)."""

    def __init__(self, credential: ProcoreCredential) -> None:
        self.credential_id = credential.pk
        self._cached: ProcoreCredential | None = credential

    @classmethod
    def for_user(cls, user: User) -> UserTokenSource:
        credential = ProcoreCredential.objects.filter(user=user).first()
        if credential is None:
            raise ReauthorizationRequired("No Procore sign-in is stored for this user.")
        return cls(credential)

    def access_token(self) -> str:
        credential = self._cached or ProcoreCredential.objects.get(pk=self.credential_id)
        self._cached = None
        if credential.invalid_since is not None:
            raise ReauthorizationRequired("The Procore sign-in has ended; sign in again.")
        if not credential.expires_soon():
            return credential.access_token
        return refresh_credential(self.credential_id)

    def refresh_after_rejection(self, rejected: str) -> str:
        return refresh_credential(self.credential_id, rejected=rejected)
