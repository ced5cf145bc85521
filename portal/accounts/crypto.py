"""Encryption of secrets at rest (OAuth tokens, webhook secrets).

Fernet from `cryptography`: authenticated encryption (AES-CBC + HMAC-SHA256) from a widely
audited library, and MultiFernet rotates keys without a migration — the first key encrypts,
every key decrypts. Keys come from TOKEN_ENCRYPTION_KEYS; development derives one from
SECRET_KEY so it runs with no configuration.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derived_key(secret: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal-token-encryption").derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


@functools.cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    material = [k.encode() for k in keys] or [_derived_key(secret_key)]
    return MultiFernet([Fernet(k) for k in material])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode()
