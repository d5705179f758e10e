"""The composition root (Cosmic Python's `bootstrap`): the one place that builds real adapters and hands them
to services. `bootstrap(...)` takes every collaborator as an argument with the production default, so a test
builds the platform on in-memory fakes (`bootstrap(states=InMemoryBotStateStore(), ...)`) or on moto-backed
adapters, and installs it with `use(...)` instead of patching internals.

- `ports.py`: the adapters behind the main ports (overridable, production defaults built on first use);
- `container.py`: the services, built lazily from the ports (a cold start pays only for what it touches);
- `accounts.py`, `markets.py`, `trading.py`: how each service is built."""

from __future__ import annotations

from typing import Any

from chalicelib.bootstrap.container import Container
from chalicelib.bootstrap.ports import Ports
from chalicelib.config import Settings
from chalicelib.domain.clock import Clock

__all__ = ["Container", "Ports", "bootstrap", "container", "use"]


def bootstrap(
    cfg: Settings | None = None, *, clock: Clock | None = None, wall_clock: Clock | None = None, **ports: Any
) -> Container:
    """The platform with `ports` (see `Ports`: bots, states, trades, tick_reader, candles, queue, claims,
    api_keys, quota_ledger, backtests, results, eraser, blobs, market, exchanges, bot_orders) in place of the production
    adapters; everything not given is the production one. The settings and the market clock come from the
    environment unless given; `wall_clock` (sessions) defaults to `clock`."""
    return Container(cfg, clock, wall_clock, ports=Ports(**ports))


_container: Container | None = None


def container() -> Container:
    global _container
    if _container is None:
        _container = bootstrap()
    return _container


def use(replacement: Container | None) -> None:
    """Swap the container (tests); None rebuilds it from the environment on next use."""
    global _container
    _container = replacement
