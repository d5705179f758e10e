"""MfaService against in-memory fakes that keep the store's conditional writes: replay and ordering of codes,
a replaced enrolment, a stale sign-in step, and step-up when two-factor sign-in is off."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pyotp
import pytest

from chalicelib.adapters.totp import PyotpCodes
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from chalicelib.domain.mfa import MfaState
from chalicelib.domain.users import MailToken, User
from chalicelib.services.auth import Session
from chalicelib.services.mfa import MfaService
from chalicelib.services.ports.crypto import DecryptionFailed
from tests.unit.test_auth_service import FakeAttempts, FakeUsers

STEP_MS = 30_000


class FakeStore:
    """The conditions of chalicelib/adapters/dynamo/mfa.py, as DynamoDB evaluates them."""

    def __init__(self) -> None:
        self.states: dict[str, MfaState] = {}

    def get(self, user_id: str) -> MfaState:
        return self.states.get(user_id, MfaState())

    def set_pending(self, user_id: str, ciphertext: bytes) -> None:
        self.states[user_id] = dataclasses.replace(self.get(user_id), pending_ciphertext=ciphertext)

    def enable(self, user_id: str, pending: bytes, recovery_hashes: list[str], step: int) -> bool:
        if self.get(user_id).pending_ciphertext != pending:
            return False
        self.states[user_id] = MfaState(True, pending, None, step, frozenset(recovery_hashes))
        return True

    def disable(self, user_id: str) -> None:
        self.states[user_id] = MfaState(last_step=self.get(user_id).last_step)

    def claim_step(self, user_id: str, step: int) -> bool:
        if self.get(user_id).last_step >= step:
            return False
        self.states[user_id] = dataclasses.replace(self.get(user_id), last_step=step)
        return True

    def use_recovery(self, user_id: str, code_hash: str) -> bool:
        state = self.get(user_id)
        if code_hash not in state.recovery_hashes:
            return False
        self.states[user_id] = dataclasses.replace(state, recovery_hashes=state.recovery_hashes - {code_hash})
        return True


class ContextCipher:
    """Like KMS with an encryption context: a ciphertext opens only under the context it was sealed with."""

    def encrypt(self, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        return repr(sorted(context.items())).encode() + b"|" + plaintext[::-1]

    def decrypt(self, ciphertext: bytes, context: Mapping[str, str]) -> bytes:
        sealed, _, body = ciphertext.partition(b"|")
        if sealed != repr(sorted(context.items())).encode():
            raise DecryptionFailed("wrong context")
        return body[::-1]


class FakeChallenges:
    def __init__(self) -> None:
        self.tokens: dict[str, MailToken] = {}

    def put(self, token: MailToken) -> None:
        self.tokens[token.token_hash] = token

    def get(self, token_hash: str) -> MailToken | None:
        return self.tokens.get(token_hash)

    def consume(self, token_hash: str) -> bool:
        token = self.tokens[token_hash]
        if token.used:
            return False
        self.tokens[token_hash] = dataclasses.replace(token, used=True)
        return True


class FakeAccounts:
    def confirm_password(self, user_id: str, password: str) -> None:
        if password != "right":
            raise InvalidInput("wrong", code="wrong_password")

    def new_session(self, user_id: str, user_agent: str = "") -> Session:
        return Session("access", "refresh", 900, 3600, user_id)


@pytest.fixture()
def env() -> tuple[MfaService, ManualClock, FakeUsers, FakeChallenges]:
    clock = ManualClock(1_767_225_600_000)
    users, challenges = FakeUsers(), FakeChallenges()
    users.create(User(id="u1", email="a@example.com", password_hash="h", created_at_ms=0))
    service = MfaService(
        users=users,
        store=FakeStore(),
        cipher=ContextCipher(),
        codes=PyotpCodes(),
        qr=lambda text: "data:" + text,
        attempts=FakeAttempts(clock),
        challenges=challenges,
        accounts=FakeAccounts(),
        clock=clock,
    )
    return service, clock, users, challenges


def _code(secret: str, clock: ManualClock, steps: int = 0) -> str:
    return str(pyotp.TOTP(secret).at((clock.now_ms() + steps * STEP_MS) // 1000))


def _enabled(service: MfaService, clock: ManualClock) -> str:
    secret = service.enrol("u1", "right").secret
    service.confirm("u1", _code(secret, clock))
    clock.advance(STEP_MS)
    return secret


def test_a_code_is_accepted_once_and_an_older_one_never_after_a_newer(env) -> None:
    service, clock, _, _ = env
    secret = _enabled(service, clock)
    service.require_fresh_code("u1", _code(secret, clock, steps=1))  # the next step's code, within the drift
    with pytest.raises(Forbidden):
        service.require_fresh_code("u1", _code(secret, clock, steps=1))  # replayed
    with pytest.raises(Forbidden):
        service.require_fresh_code("u1", _code(secret, clock))  # valid now, but older than the one used
    clock.advance(2 * STEP_MS)
    service.require_fresh_code("u1", _code(secret, clock))


def test_a_replaced_enrolment_refuses_the_first_secrets_code(env) -> None:
    service, clock, _, _ = env
    first = service.enrol("u1", "right").secret
    second = service.enrol("u1", "right").secret
    assert first != second
    with pytest.raises(InvalidInput):
        service.confirm("u1", _code(first, clock))
    assert len(service.confirm("u1", _code(second, clock))) == 10
    with pytest.raises(Conflict):
        service.enrol("u1", "right")


def test_the_sign_in_step_dies_with_a_password_change(env) -> None:
    service, clock, users, challenges = env
    secret = _enabled(service, clock)
    challenges.put(MailToken(_hash("t1"), "mfa", "u1", "a@example.com", clock.now_ms(), clock.now_ms() + 300_000))
    users.end_sessions("u1", clock.now_ms() + 1, refresh_tokens=True)
    with pytest.raises(Unauthorized) as refused:
        service.complete_login("t1", _code(secret, clock), None)
    assert refused.value.code == "invalid_mfa_token"


def test_a_secret_copied_from_another_user_matches_no_code(env) -> None:
    service, clock, _, _ = env
    secret = _enabled(service, clock)
    store = service._store  # the record as another user's copy would be
    state = store.get("u1")
    store.states["u2"] = state
    with pytest.raises(Forbidden):
        service.require_fresh_code("u2", _code(secret, clock))


def test_no_code_is_asked_while_two_factor_is_off(env) -> None:
    service, clock, _, _ = env
    service.require_fresh_code("u1", None)
    secret = _enabled(service, clock)
    with pytest.raises(Forbidden) as refused:
        service.require_fresh_code("u1", None)
    assert refused.value.code == "mfa_required"
    service.disable("u1", _code(secret, clock))
    service.require_fresh_code("u1", None)


def _hash(token: str) -> str:
    from chalicelib.domain.users import hash_mail_token

    return hash_mail_token(token)
