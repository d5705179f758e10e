"""Sessions (part of AuthService): rotating refresh tokens with reuse detection, access-token checks, and the
sessions page: each sign-in starts a family of refresh tokens, listed with when it started, when it was last
used and the user agent, and revocable one by one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import NotFound, Unauthorized
from chalicelib.domain.mfa import SessionInfo
from chalicelib.domain.users import AccessClaims, RefreshRecord, hash_refresh_token, new_refresh_token
from chalicelib.services.auth_throttle import LoginLimits
from chalicelib.services.ports.auth import AccessTokens, RefreshTokenStore, SessionStore, UserRepository

USER_AGENT_MAX = 256


@dataclass(frozen=True)
class Session:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    user_id: str


class TokenSessions:
    """A mixin of AuthService: it shares the service's ports, set by AuthService.__init__."""

    _users: UserRepository
    _refresh: RefreshTokenStore
    _access: AccessTokens
    _sessions: SessionStore | None
    _clock: Clock
    _limits: LoginLimits
    _refresh_ttl_ms: int

    def sign_out_everywhere(self, user_id: str) -> None:
        self._users.end_sessions(user_id, self._clock.now_ms() + 1, refresh_tokens=True)

    def refresh(self, refresh_token: str, user_agent: str = "") -> Session:
        record = self._valid_record(refresh_token)
        if not self._refresh.mark_used(record.token_hash):
            # A rotated token came back: someone holds a copy. End the whole family.
            self._refresh.revoke_family(record.family_id, record.expires_at_ms)
            raise Unauthorized("This session was ended; sign in again.", code="refresh_token_reused")
        started = record.session_started_ms or record.issued_at_ms
        return self._issue(record.user_id, record.family_id, started, user_agent)

    def logout(self, refresh_token: str) -> None:
        record = self._refresh.get(hash_refresh_token(refresh_token))
        if record is not None:
            self._revoke(record.user_id, record.family_id, record.expires_at_ms)

    def authenticate(self, access_token: str) -> str:
        claims = self._access.verify(access_token)
        user = self._users.get(claims.user_id)
        if user is None or claims.issued_at_ms < max(user.access_valid_after_ms, user.tokens_valid_after_ms):
            raise Unauthorized("This session has ended; sign in again.", code="session_ended")
        return claims.user_id

    def claims(self, access_token: str) -> AccessClaims:
        return self._access.verify(access_token)

    def new_session(self, user_id: str, user_agent: str = "") -> Session:
        return self._issue(user_id, str(uuid.uuid4()), self._clock.now_ms(), user_agent)

    # --- the sessions page ---------------------------------------------------------------------

    def list_sessions(self, user_id: str) -> list[SessionInfo]:
        """The user's families that can still refresh: not expired, revoked, nor ended by "sign out
        everywhere" or a password change (tokens issued before `tokens_valid_after_ms` are void)."""
        if self._sessions is None:
            return []
        user = self._users.get(user_id)
        if user is None:
            return []
        now = self._clock.now_ms()
        alive = [
            s
            for s in self._sessions.list(user_id)
            if s.user_id == user_id
            and s.expires_at_ms > now
            and s.last_used_ms >= user.tokens_valid_after_ms
            and not self._refresh.is_family_revoked(s.id)
        ]
        return sorted(alive, key=lambda s: s.last_used_ms, reverse=True)

    def revoke_session(self, user_id: str, session_id: str) -> None:
        """Another user's session answers exactly like one that does not exist."""
        info = self._sessions.get(session_id) if self._sessions is not None and len(session_id) <= 64 else None
        if info is None or info.user_id != user_id or not any(s.id == session_id for s in self.list_sessions(user_id)):
            raise NotFound("Session not found.", code="session_not_found")
        self._revoke(user_id, session_id, info.expires_at_ms)

    # --- helpers -------------------------------------------------------------------------------

    def _revoke(self, user_id: str, family_id: str, expires_at_ms: int) -> None:
        self._refresh.revoke_family(family_id, expires_at_ms)
        if self._sessions is not None:
            self._sessions.delete(family_id)
        # Access tokens are bearer tokens valid until they expire: void the user's now. Their other sessions
        # renew theirs with their own refresh tokens; this one has none left.
        # (+1: a token minted in this same millisecond, before the revocation, is void too.)
        self._users.end_sessions(user_id, self._clock.now_ms() + 1, refresh_tokens=False)

    def _valid_record(self, refresh_token: str) -> RefreshRecord:
        invalid = Unauthorized("The refresh token is invalid or expired.", code="invalid_refresh_token")
        if not refresh_token or len(refresh_token) > 256:
            raise invalid
        record = self._refresh.get(hash_refresh_token(refresh_token))
        if record is None or record.expires_at_ms <= self._clock.now_ms():
            raise invalid
        started = record.session_started_ms or record.issued_at_ms
        if self._clock.now_ms() - started >= self._limits.session_max_age_s * 1000:
            raise Unauthorized("This session has reached its maximum age; sign in again.", code="session_expired")
        if self._refresh.is_family_revoked(record.family_id):
            raise invalid
        user = self._users.get(record.user_id)
        if user is None or record.issued_at_ms < user.tokens_valid_after_ms:
            raise invalid
        return record

    def _issue(self, user_id: str, family_id: str, started_ms: int, user_agent: str = "") -> Session:
        now = self._clock.now_ms()
        token = new_refresh_token()
        expires = min(now + self._refresh_ttl_ms, started_ms + self._limits.session_max_age_s * 1000)
        self._refresh.put(
            RefreshRecord(
                token_hash=hash_refresh_token(token),
                user_id=user_id,
                family_id=family_id,
                issued_at_ms=now,
                expires_at_ms=expires,
                used=False,
                session_started_ms=started_ms,
            )
        )
        if self._sessions is not None:
            agent = "".join(c for c in user_agent if c.isprintable())[:USER_AGENT_MAX]
            self._sessions.record(SessionInfo(family_id, user_id, started_ms, now, expires, agent))
        access, expires_in = self._access.issue(user_id)
        return Session(
            access_token=access,
            refresh_token=token,
            expires_in=expires_in,
            refresh_expires_in=max(0, (expires - now) // 1000),
            user_id=user_id,
        )
