"""KMS Encrypt/Decrypt with an encryption context: a ciphertext opens only under the context it was
sealed with ({user_id, key_id}), so a secret copied to another user's record cannot be decrypted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.errors import Unavailable
from chalicelib.services.ports.crypto import DecryptionFailed


class KmsCipher:
    def __init__(self, key_id: str, *, region: str, endpoint_url: str | None = None, client: Any = None) -> None:
        self._key_id = key_id
        self._region = region
        self._endpoint_url = endpoint_url
        self._client_obj = client

    def _client(self) -> Any:
        if self._client_obj is None:
            import boto3

            self._client_obj = boto3.client("kms", region_name=self._region, endpoint_url=self._endpoint_url)
        return self._client_obj

    def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client().encrypt(KeyId=self._key_id, Plaintext=plaintext, EncryptionContext=dict(context))
        except (ClientError, BotoCoreError) as exc:
            raise Unavailable(f"KMS could not encrypt ({type(exc).__name__})", code="kms_unavailable") from None
        return bytes(answer["CiphertextBlob"])

    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client().decrypt(CiphertextBlob=ciphertext, EncryptionContext=dict(context))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("InvalidCiphertextException", "IncorrectKeyException"):
                raise DecryptionFailed(
                    "the stored secret does not open under this owner", code="decryption_failed"
                ) from None
            raise Unavailable(f"KMS could not decrypt ({type(exc).__name__})", code="kms_unavailable") from None
        except BotoCoreError as exc:
            raise Unavailable(f"KMS could not decrypt ({type(exc).__name__})", code="kms_unavailable") from None
        return bytes(answer["Plaintext"])
