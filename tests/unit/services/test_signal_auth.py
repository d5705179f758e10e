"""The signed-signal check (services/signal_auth.py): every way of failing does the same work as a success
(one store read, one KMS decrypt, one constant-time compare) and raises the same error."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import Unauthorized
from chalicelib.services.ports.crypto import DecryptionFailed
from chalicelib.services.ports.signals import SignalSecret
from chalicelib.services.signal_auth import SignalAuthenticator, Signature, secret_hash, sign

NOW_S = 1_767_225_600


class CountingCipher:
    """Models KMS: the ciphertext opens only under the context it was sealed with."""

    def __init__(self) -> None:
        self.decrypts = 0
        self.sealed: dict[bytes, tuple[bytes, dict[str, str]]] = {}

    def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        blob = b"blob-%d" % len(self.sealed)
        self.sealed[blob] = (plaintext, dict(context))
        return blob

    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        self.decrypts += 1
        plaintext, sealed_context = self.sealed[ciphertext]
        if sealed_context != dict(context):
            raise DecryptionFailed("context differs")
        return plaintext


class Store:
    def __init__(self) -> None:
        self.items: dict[str, SignalSecret] = {}
        self.reads = 0

    def secret(self, token_id: str) -> SignalSecret | None:
        self.reads += 1
        return self.items.get(token_id)


@pytest.fixture()
def auth() -> tuple[SignalAuthenticator, Store, CountingCipher]:
    store, cipher = Store(), CountingCipher()
    checker = SignalAuthenticator(store, cipher, ManualClock(NOW_S * 1000))  # type: ignore[arg-type]
    sealed = checker.seal("user-1", "bot-1", "a" * 16, "s3cret")
    store.items["a" * 16] = SignalSecret("a" * 16, "bot-1", "user-1", secret_hash("s3cret"), sealed)
    store.items["b" * 16] = SignalSecret("b" * 16, "bot-2", "user-1", secret_hash("old"), None)  # pre-signing
    return checker, store, cipher


def test_a_good_signature_names_the_owner(auth: Any) -> None:
    checker, _, _ = auth
    stamp = str(NOW_S - 10)
    owner = checker.by_signature("a" * 16, Signature(stamp, sign("s3cret", stamp, b"buy")), b"buy")
    assert (owner.bot_id, owner.user_id) == ("bot-1", "user-1")


@pytest.mark.parametrize(
    "token_id, stamp, key, body",
    [
        ("a" * 16, str(NOW_S), "wrong", b"buy"),
        ("a" * 16, str(NOW_S - 301), "s3cret", b"buy"),
        ("a" * 16, str(NOW_S + 301), "s3cret", b"buy"),
        ("a" * 16, None, "s3cret", b"buy"),
        ("a" * 16, "12.5", "s3cret", b"buy"),
        ("c" * 16, str(NOW_S), "s3cret", b"buy"),  # unknown token
        ("b" * 16, str(NOW_S), "old", b"buy"),  # issued before signing existed
    ],
)
def test_each_failure_costs_one_read_and_one_decrypt_and_says_the_same(
    auth: Any, token_id: str, stamp: str | None, key: str, body: bytes
) -> None:
    checker, store, cipher = auth
    checker.by_signature("a" * 16, Signature(str(NOW_S), sign("s3cret", str(NOW_S), b"x")), b"x")  # warm up
    reads, decrypts = store.reads, cipher.decrypts
    signature = sign(key, stamp or "", body) if stamp is not None else None
    with pytest.raises(Unauthorized) as refused:
        checker.by_signature(token_id, Signature(stamp, signature), body)
    assert (refused.value.code, refused.value.message) == ("invalid_signal_token", "The signal token is not valid.")
    assert (store.reads - reads, cipher.decrypts - decrypts) == (1, 1)


def test_the_dummy_key_never_signs(auth: Any) -> None:
    checker, _, _ = auth
    stamp = str(NOW_S)
    with pytest.raises(Unauthorized):
        checker.by_signature("c" * 16, Signature(stamp, sign("no such token", stamp, b"buy")), b"buy")


def test_a_missing_signature_header_is_refused(auth: Any) -> None:
    checker, _, _ = auth
    with pytest.raises(Unauthorized):
        checker.by_signature("a" * 16, Signature(str(NOW_S), None), b"buy")
