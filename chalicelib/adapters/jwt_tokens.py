"""Access tokens: HS256 JWTs signed with a key loaded from Secrets Manager through Powertools
Parameters (cached, so a warm Lambda does not fetch it per request)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import jwt

from chalicelib.domain.clock import Clock
from chalicelib.domain.errors import Unauthorized
from chalicelib.domain.users import AccessClaims

_ALGORITHM = "HS256"


def secret_from_secrets_manager(name: str, max_age_s: int = 300) -> Callable[[], str]:
    def load() -> str:
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_secret(name, max_age=max_age_s)
        return value if isinstance(value, str) else bytes(value).decode()

    return load


class JwtAccessTokens:
    def __init__(self, *, secret: Callable[[], str], issuer: str, audience: str, ttl_s: int, clock: Clock) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._ttl_s = ttl_s
        self._clock = clock

    def issue(self, user_id: str) -> tuple[str, int]:
        now_ms = self._clock.now_ms()
        now = now_ms // 1000
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": user_id,
            "iat": now,
            # Milliseconds: a token issued in the same second as a logout must still be told apart.
            "iat_ms": now_ms,
            "exp": now + self._ttl_s,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret(), algorithm=_ALGORITHM), self._ttl_s

    def verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret(),
                # Only our algorithm: `alg: none` and algorithm-confusion tokens fail here.
                algorithms=[_ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # Time claims are checked below against the injectable clock (accelerated local runs).
                options={
                    "require": ["exp", "iat", "sub", "iss", "aud", "jti"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError:
            raise Unauthorized("The access token is invalid.", code="invalid_token") from None
        now = self._clock.now_ms() // 1000
        try:
            exp, iat = int(claims["exp"]), int(claims["iat"])
        except (TypeError, ValueError):
            raise Unauthorized("The access token is invalid.", code="invalid_token") from None
        if exp <= now:
            raise Unauthorized("The access token has expired.", code="token_expired")
        if iat > now + 60:
            raise Unauthorized("The access token is invalid.", code="invalid_token")
        raw_ms = claims.get("iat_ms")
        issued_ms = raw_ms if isinstance(raw_ms, int) and not isinstance(raw_ms, bool) else iat * 1000
        return AccessClaims(str(claims["sub"]), int(issued_ms))
