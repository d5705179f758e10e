"""Which handler object Lambda would call for an event source, and the context it would pass."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Chalice
from chalice.config import Config

from infra.local.lambda_context import LocalLambdaContext

Handler = Callable[[dict[str, Any], Any], Any]


def handler_for(app: Chalice, name: str) -> Handler:
    """The wrapped handler Chalice registered under `name`: the very object Lambda resolves from the
    function's handler string (`app.<name>`), middleware included."""
    return app.handler_map[name]


class ContextFactory:
    """Builds a fresh LocalLambdaContext per invocation, sized like the deployed function: memory and
    timeout come from the stage's `.chalice/config.json` (per-function settings win) when there is one."""

    def __init__(
        self,
        app_name: str,
        stage: str,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        chalice_config: Config | None = None,
    ) -> None:
        self._app_name = app_name
        self._stage = stage
        self._region = region
        self._account_id = account_id
        self._config = chalice_config

    def __call__(self, name: str) -> LocalLambdaContext:
        memory, timeout = 128, 60
        if self._config is not None:
            scoped = self._config.scope(self._stage, name)
            memory = scoped.lambda_memory_size or memory
            timeout = scoped.lambda_timeout or timeout
        return LocalLambdaContext(
            function_name=f"{self._app_name}-{self._stage}-{name}",
            memory_limit_in_mb=memory,
            timeout_s=timeout,
            region=self._region,
            account_id=self._account_id,
        )
