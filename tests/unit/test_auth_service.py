"""AuthService against in-memory fakes: throttling per source address, which the HTTP test client cannot vary."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import Conflict, InvalidInput, RateLimited, Unauthorized
from chalicelib.domain.users import AccessClaims, RefreshRecord, User
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
        self.by_id[user_id] = dataclasses.replace(
            old, password_hash=password_hash, tokens_valid_after_ms=tokens_valid_after_ms
        )

    def rehash_password(self, user_id: str, password_hash: str) -> None:
        self.by_id[user_id] = dataclasses.replace(self.by_id[user_id], password_hash=password_hash)

    def end_sessions(self, user_id: str, at_ms: int, *, refresh_tokens: bool) -> None:
        old = self.by_id[user_id]
        self.by_id[user_id] = dataclasses.replace(
            old,
            access_valid_after_ms=at_ms,
            tokens_valid_after_ms=at_ms if refresh_tokens else old.tokens_valid_after_ms,
        )

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
        self.records[token_hash] = dataclasses.replace(r, used=True)
        return True

    def revoke_family(self, family_id: str, expires_at_ms: int) -> None:
        self.revoked.add(family_id)

    def is_family_revoked(self, family_id: str) -> bool:
        return family_id in self.revoked


class FakeAttempts:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.counts: dict[str, int] = {}
        self.last: dict[str, int] = {}
        self.lock = threading.Lock()

    def _k(self, key: str, window_s: int) -> str:
        return f"{key}#{self.clock.now_ms() // 1000 // window_s}"

    def count(self, key: str, window_s: int) -> tuple[int, int]:
        now_s = self.clock.now_ms() // 1000
        return self.counts.get(self._k(key, window_s), 0), window_s - now_s % window_s

    def add(self, key: str, window_s: int) -> None:
        k = self._k(key, window_s)
        self.counts[k] = self.counts.get(k, 0) + 1

    def hit(self, key: str, window_s: int) -> tuple[int, int]:
        with self.lock:  # DynamoDB's UpdateItem is atomic; so is this
            k = self._k(key, window_s)
            before, last = self.counts.get(k, 0), self.last.get(k, 0)
            self.counts[k] = before + 1
            self.last[k] = self.clock.now_ms()
            return before, last

    def undo(self, key: str, window_s: int) -> None:
        with self.lock:
            k = self._k(key, window_s)
            self.counts[k] = self.counts.get(k, 0) - 1

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
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock

    def issue(self, user_id: str) -> tuple[str, int]:
        return f"at:{user_id}:{self.clock.now_ms()}", 900

    def verify(self, token: str) -> AccessClaims:
        if not token.startswith("at:"):
            raise Unauthorized("bad")
        user_id, issued = token[3:].rsplit(":", 1)
        return AccessClaims(user_id, int(issued))


@pytest.fixture()
def svc() -> tuple[AuthService, ManualClock]:
    clock = ManualClock(1_700_000_000_000)
    service = AuthService(
        users=FakeUsers(),
        refresh_tokens=FakeRefresh(),
        attempts=FakeAttempts(clock),
        hasher=PlainHasher(),
        access_tokens=FakeAccess(clock),
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


# --- sign-in throttling that counts every attempt and never locks the owner out ---------------------------


class CountingHasher(PlainHasher):
    def __init__(self) -> None:
        self.verified = 0
        self.lock = threading.Lock()
        self.outdated: set[str] = set()

    def verify(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.verified += 1
        return super().verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return password_hash in self.outdated


def _service(
    clock: ManualClock, hasher: PlainHasher | None = None, attempts: FakeAttempts | None = None, **limits: int
) -> AuthService:
    return AuthService(
        users=FakeUsers(),
        refresh_tokens=FakeRefresh(),
        attempts=attempts or FakeAttempts(clock),
        hasher=hasher or PlainHasher(),
        access_tokens=FakeAccess(clock),
        clock=clock,
        limits=LoginLimits(5, 50, 300, **limits),
        refresh_ttl_s=3600,
    )


def test_forty_parallel_wrong_passwords_are_forty_attempts_and_the_owner_still_signs_in() -> None:
    clock = ManualClock(1_700_000_000_000)
    hasher = CountingHasher()
    attempts = FakeAttempts(clock)
    service = _service(clock, hasher, attempts, account_ceiling=1000)
    service.register("owner@example.com", "long enough password")
    answers: list[str] = []
    barrier = threading.Barrier(40)

    def guess() -> None:
        barrier.wait()
        try:
            service.login("owner@example.com", "wrong guess here", "6.6.6.6")
        except (Unauthorized, RateLimited) as exc:
            answers.append(type(exc).__name__)

    threads = [threading.Thread(target=guess) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == ["RateLimited"] * 35 + ["Unauthorized"] * 5
    assert hasher.verified == 5  # only the free attempts reached the password check
    assert attempts.hit("login#pair#owner@example.com#6.6.6.6", 3600)[0] == 40  # all 40 were counted
    # The owner, from their own address, is not locked out by someone else's guesses.
    assert service.login("owner@example.com", "long enough password", "192.0.2.10").access_token


def test_the_delay_grows_with_each_further_failure_from_the_same_source() -> None:
    clock = ManualClock(1_700_000_000_000)
    service = _service(clock)
    service.register("d@example.com", "long enough password")
    for _ in range(5):
        with pytest.raises(Unauthorized):
            service.login("d@example.com", "wrong guess here", "6.6.6.6")
    waits = []
    for _ in range(4):
        with pytest.raises(RateLimited) as refused:
            service.login("d@example.com", "wrong guess here", "6.6.6.6")
        waits.append(refused.value.retry_after_s)
        clock.advance(refused.value.retry_after_s * 1000)
        with pytest.raises(Unauthorized):  # after the wait, one more guess is checked (and fails)
            service.login("d@example.com", "wrong guess here", "6.6.6.6")
    assert waits == sorted(waits) and waits[-1] >= 4 * waits[0], waits


def test_past_the_account_ceiling_a_failed_source_is_refused_but_a_clean_one_is_not() -> None:
    clock = ManualClock(1_700_000_000_000)
    service = _service(clock, account_ceiling=6)
    service.register("e@example.com", "long enough password")
    for i in range(6):  # a distributed guesser: one failure from each of many addresses
        with pytest.raises(Unauthorized):
            service.login("e@example.com", "wrong guess here", f"198.51.100.{i}")
    with pytest.raises(RateLimited):  # an address that already failed gets no second guess
        service.login("e@example.com", "wrong guess here", "198.51.100.1")
    # The owner from an address with no failures gets in.
    assert service.login("e@example.com", "long enough password", "203.0.113.7").access_token


def test_registration_is_rate_limited_per_source_before_any_hashing() -> None:
    clock = ManualClock(1_700_000_000_000)
    hasher = CountingHasher()
    hashed = []
    real_hash = hasher.hash
    hasher.hash = lambda p: hashed.append(p) or real_hash(p)  # type: ignore[method-assign]
    service = _service(clock, hasher, register_per_address=3)
    for i in range(3):
        service.register(f"r{i}@example.com", "long enough password", "203.0.113.9")
    with pytest.raises(RateLimited) as refused:
        service.register("r3@example.com", "long enough password", "203.0.113.9")
    assert refused.value.code == "too_many_registrations" and len(hashed) == 3
    assert service.register("r3@example.com", "long enough password", "203.0.113.10")


# --- sessions ------------------------------------------------------------------------------------------------


def test_access_tokens_end_at_logout_while_other_sessions_renew_theirs() -> None:
    clock = ManualClock(1_700_000_000_000)
    service = _service(clock)
    user = service.register("s@example.com", "long enough password")
    laptop = service.login("s@example.com", "long enough password", "1.1.1.1")
    clock.advance(1)
    phone = service.login("s@example.com", "long enough password", "1.1.1.2")
    assert service.authenticate(laptop.access_token) == user.id
    clock.advance(1)
    service.logout(laptop.refresh_token)
    for token in (laptop.access_token, phone.access_token):
        with pytest.raises(Unauthorized) as ended:
            service.authenticate(token)
        assert ended.value.code == "session_ended"
    with pytest.raises(Unauthorized):
        service.refresh(laptop.refresh_token)
    clock.advance(1)
    renewed = service.refresh(phone.refresh_token)  # the phone's session goes on
    assert service.authenticate(renewed.access_token) == user.id


def test_sign_out_everywhere_and_password_change_end_every_token() -> None:
    clock = ManualClock(1_700_000_000_000)
    service = _service(clock)
    service.register("t@example.com", "long enough password")
    session = service.login("t@example.com", "long enough password", "1.1.1.1")
    clock.advance(1)
    service.sign_out_everywhere(session.user_id)
    for attempt in (lambda: service.authenticate(session.access_token), lambda: service.refresh(session.refresh_token)):
        with pytest.raises(Unauthorized):
            attempt()
    clock.advance(1)
    second = service.login("t@example.com", "long enough password", "1.1.1.1")
    clock.advance(1)
    service.change_password(second.user_id, "long enough password", "another long password")
    with pytest.raises(Unauthorized):
        service.authenticate(second.access_token)
    fresh = service.new_session(second.user_id)  # what the password-change answer hands the caller
    assert service.authenticate(fresh.access_token) == second.user_id


def test_a_session_has_an_absolute_lifetime_however_often_it_is_refreshed() -> None:
    clock = ManualClock(1_700_000_000_000)
    service = _service(clock, session_max_age_s=7200)
    service.register("u@example.com", "long enough password")
    session = service.login("u@example.com", "long enough password", "1.1.1.1")
    for _ in range(3):
        clock.advance(2_000_000)  # within the refresh token's own hour each time
        session = service.refresh(session.refresh_token)
    assert session.refresh_expires_in <= 7200 - 6000
    clock.advance(1_300_000)
    with pytest.raises(Unauthorized) as ended:
        service.refresh(session.refresh_token)
    assert ended.value.code in ("session_expired", "invalid_refresh_token")


def test_password_change_is_throttled_before_the_current_password_is_checked() -> None:
    clock = ManualClock(1_700_000_000_000)
    hasher = CountingHasher()
    service = _service(clock, hasher)
    user = service.register("v@example.com", "long enough password")
    checked_before = hasher.verified
    for _ in range(5):
        with pytest.raises(InvalidInput):
            service.change_password(user.id, "a wrong guess", "another long password")
    with pytest.raises(RateLimited):
        service.change_password(user.id, "long enough password", "another long password")
    assert hasher.verified - checked_before == 5


def test_a_hash_with_outdated_parameters_is_replaced_at_sign_in() -> None:
    clock = ManualClock(1_700_000_000_000)
    hasher = CountingHasher()
    service = _service(clock, hasher)
    user = service.register("w@example.com", "long enough password")
    hasher.outdated.add(user.password_hash)
    hasher.hash = lambda p: "h2:" + p  # type: ignore[method-assign]
    hasher.verify = lambda h, p: h in ("h:" + p, "h2:" + p)  # type: ignore[method-assign]
    service.login("w@example.com", "long enough password", "1.1.1.1")
    assert service.get_user(user.id).password_hash == "h2:long enough password"


def test_successful_sign_ins_do_not_use_up_the_sources_allowance() -> None:
    """Many people behind one address (an office, a NAT) sign in all day: only failures count against it."""
    clock = ManualClock(1_700_000_000_000)
    service = _service(clock)  # 50 attempts a source per window
    for i in range(60):
        service.register(f"office{i}@example.com", "long enough password", f"10.9.{i}.1")
        assert service.login(f"office{i}@example.com", "long enough password", "192.0.2.200").access_token
