"""Encryption of secrets bound to an encryption context (KMS in production and in moto)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from chalicelib.domain.errors import DomainError


class DecryptionFailed(DomainError):
    """The ciphertext does not open under this context (copied to another record, or tampered)."""

    code = "decryption_failed"


class SecretCipher(Protocol):
    def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes: ...

    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        """Raises DecryptionFailed when the context differs from the one used to encrypt."""
        ...
