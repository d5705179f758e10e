"""AuthService against in-memory fakes: throttling per source address, which the HTTP test client cannot vary."""

from __future__ import annotations

import pytest

from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import Conflict, RateLimited, Unauthorized
from chalicelib.domain.users import RefreshRecord, User
from chalicelib.services.auth import AuthService, LoginLimits


class FakeUsers:
    def __init__(self) -> None:
        self.by_id: dict[str, User] = {}

    def create(self, user: User) -> None:
        if any(u.email == user.email for u in self.by_id.values()):
            raise Conflict("taken", code="email_taken")
        self.by_id[user.id] = user

    def get(self, user_id: str) -> User | None:
        return self.by_id.get(user_id)

    def get_by_email(self, email: str) -> User | None:
        return next((u for u in self.by_id.values() if u.email == email), None)

    def set_password(self, user_id: str, password_hash: str, tokens_valid_after_ms: int) -> None:
        old = self.by_id[user_id]
        self.by_id[user_id] = User(old.id, old.email, password_hash, old.created_at_ms, tokens_valid_after_ms)

    def set_webhook(self, user_id: str, webhook_url: str | None, secret: str | None) -> None:
        pass


class FakeRefresh:
    def __init__(self) -> None:
        self.records: dict[str, RefreshRecord] = {}
        self.revoked: set[str] = set()

    def put(self, record: RefreshRecord) -> None:
        self.records[record.token_hash] = record

    def get(self, token_hash: str) -> RefreshRecord | None:
        return self.records.get(token_hash)

    def mark_used(self, token_hash: str) -> bool:
        r = self.records[token_hash]
        if r.used:
            return False
        self.records[token_hash] = RefreshRecord(
            r.token_hash, r.user_id, r.family_id, r.issued_at_ms, r.expires_at_ms, True
        )
        return True

    def revoke_family(self, family_id: str, expires_at_ms: int) -> None:
        self.revoked.add(family_id)

    def is_family_revoked(self, family_id: str) -> bool:
        return family_id in self.revoked


class FakeAttempts:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.counts: dict[str, int] = {}

    def _k(self, key: str, window_s: int) -> str:
        return f"{key}#{self.clock.now_ms() // 1000 // window_s}"

    def count(self, key: str, window_s: int) -> tuple[int, int]:
        now_s = self.clock.now_ms() // 1000
        return self.counts.get(self._k(key, window_s), 0), window_s - now_s % window_s

    def add(self, key: str, window_s: int) -> None:
        k = self._k(key, window_s)
        self.counts[k] = self.counts.get(k, 0) + 1

    def reset(self, key: str, window_s: int) -> None:
        self.counts.pop(self._k(key, window_s), None)


class PlainHasher:
    def hash(self, password: str) -> str:
        return "h:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "h:" + password

    def needs_rehash(self, password_hash: str) -> bool:
        return False


class FakeAccess:
    def issue(self, user_id: str) -> tuple[str, int]:
        return f"at:{user_id}", 900

    def verify(self, token: str) -> str:
        if not token.startswith("at:"):
            raise Unauthorized("bad")
        return token[3:]


@pytest.fixture()
def svc() -> tuple[AuthService, ManualClock]:
    clock = ManualClock(1_700_000_000_000)
    service = AuthService(
        users=FakeUsers(),
        refresh_tokens=FakeRefresh(),
        attempts=FakeAttempts(clock),
        hasher=PlainHasher(),
        access_tokens=FakeAccess(),
        clock=clock,
        limits=LoginLimits(5, 8, 300),
        refresh_ttl_s=3600,
    )
    return service, clock


def test_throttles_per_source_address_across_accounts(svc):
    service, _ = svc
    for i in range(8):
        service.register(f"u{i}@example.com", "long enough password")
        with pytest.raises(Unauthorized):
            service.login(f"u{i}@example.com", "wrong password", "10.0.0.1")
    with pytest.raises(RateLimited) as exc:
        service.login("u0@example.com", "long enough password", "10.0.0.1")
    assert exc.value.retry_after_s > 0
    # Another address is not affected.
    assert service.login("u0@example.com", "long enough password", "10.0.0.2").access_token


def test_throttle_window_ends(svc):
    service, clock = svc
    service.register("a@example.com", "long enough password")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            service.login("a@example.com", "nope nope nope", "1.1.1.1")
    with pytest.raises(RateLimited):
        service.login("a@example.com", "long enough password", "1.1.1.1")
    clock.advance(301_000)
    assert service.login("a@example.com", "long enough password", "1.1.1.1").refresh_token


def test_expired_refresh_token_is_refused(svc):
    service, clock = svc
    service.register("b@example.com", "long enough password")
    session = service.login("b@example.com", "long enough password", "1.1.1.1")
    clock.advance(3601_000)
    with pytest.raises(Unauthorized):
        service.refresh(session.refresh_token)


def test_concurrent_refresh_only_one_wins(svc):
    service, _ = svc
    service.register("c@example.com", "long enough password")
    session = service.login("c@example.com", "long enough password", "1.1.1.1")
    service.refresh(session.refresh_token)
    with pytest.raises(Unauthorized) as exc:
        service.refresh(session.refresh_token)
    assert exc.value.code == "refresh_token_reused"
