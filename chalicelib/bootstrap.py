"""The composition root: the one place that builds real adapters and hands them to services.
Everything is built lazily on first use, so a cold start pays only for what its route touches.
Tests call `use(Container(...))` with fakes or moto-backed parts instead of patching internals."""

from __future__ import annotations

import os
from functools import cached_property
from typing import TYPE_CHECKING

from chalicelib.config import Settings, settings
from chalicelib.domain.clock import AcceleratedClock, Clock, SystemClock

if TYPE_CHECKING:
    from chalicelib.adapters.health import AwsHealth
    from chalicelib.services.auth import AuthService


def clock_from_env(env: dict[str, str] | os._Environ[str] | None = None) -> Clock:
    """Wall time unless the local runtime asked for an accelerated market clock."""
    env = os.environ if env is None else env
    speed = float(env.get("CLOCK_SPEED") or 1)
    start = env.get("CLOCK_START_MS")
    if speed == 1 and not start:
        return SystemClock()
    return AcceleratedClock(int(start) if start else SystemClock().now_ms(), speed)


class Container:
    def __init__(self, cfg: Settings | None = None, clock: Clock | None = None) -> None:
        self.settings = cfg or settings()
        self.clock = clock or clock_from_env()

    @cached_property
    def auth(self) -> AuthService:
        from chalicelib.adapters.dynamo.attempts import DynamoAttemptCounter
        from chalicelib.adapters.dynamo.users import DynamoRefreshTokenStore, DynamoUserRepository
        from chalicelib.adapters.jwt_tokens import JwtAccessTokens, secret_from_secrets_manager
        from chalicelib.adapters.passwords import Argon2Hasher
        from chalicelib.services.auth import AuthService, LoginLimits

        cfg = self.settings
        return AuthService(
            users=DynamoUserRepository(),
            refresh_tokens=DynamoRefreshTokenStore(),
            attempts=DynamoAttemptCounter(self.clock),
            hasher=Argon2Hasher(),
            access_tokens=JwtAccessTokens(
                secret=secret_from_secrets_manager(cfg.jwt_secret_name),
                issuer=cfg.jwt_issuer,
                audience=cfg.jwt_audience,
                ttl_s=cfg.access_token_ttl_s,
                clock=self.clock,
            ),
            clock=self.clock,
            limits=LoginLimits(cfg.login_max_per_account, cfg.login_max_per_ip, cfg.login_window_s),
            refresh_ttl_s=cfg.refresh_token_ttl_s,
        )

    @cached_property
    def health(self) -> AwsHealth:
        from chalicelib.adapters.health import AwsHealth

        return AwsHealth(self.settings)


_container: Container | None = None


def container() -> Container:
    global _container
    if _container is None:
        _container = Container()
    return _container


def use(replacement: Container | None) -> None:
    """Swap the container (tests); None rebuilds it from the environment on next use."""
    global _container
    _container = replacement
