"""The error taxonomy, named by what the caller must do. The API maps each class to one HTTP status;
exchange errors are classified at the adapter boundary into temporary / rejected / operational."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class InvalidInput(DomainError):
    code = "invalid_input"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class QuotaExceeded(Conflict):
    """A per-user quota is full; the caller must free one first (details: quota, limit, used)."""

    code = "quota_exceeded"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class Unauthorized(DomainError):
    code = "unauthorized"


class Forbidden(DomainError):
    code = "forbidden"


class RateLimited(DomainError):
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int, code: str | None = None, details: Any = None) -> None:
        super().__init__(message, code=code, details=details)
        self.retry_after_s = retry_after_s


class Unavailable(DomainError):
    """A dependency (exchange, AWS service) cannot be reached now; nothing was changed. `retry_after_s`, when
    set, is the wait the API advises (Retry-After)."""

    code = "unavailable"

    def __init__(
        self, message: str, *, retry_after_s: int | None = None, code: str | None = None, details: Any = None
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.retry_after_s = retry_after_s


class DependencyUnavailable(Unavailable):
    """An AWS store or queue failed (throttled, 5xx, timed out, unreachable, or refused a write's condition
    where no adapter expected it); the adapters raise it in place of the AWS libraries' exceptions.
    `aws_code` names AWS's own failure, for the logs only."""

    code = "dependency_unavailable"

    def __init__(
        self, message: str, *, aws_code: str, retry_after_s: int | None = None, code: str | None = None
    ) -> None:
        super().__init__(message, retry_after_s=retry_after_s, code=code)
        self.aws_code = aws_code


# --- exchange taxonomy -------------------------------------------------------------------------


class ExchangeError(DomainError):
    """Anything the exchange said or failed to say. `exchange_code` keeps Binance's own code."""

    code = "exchange_error"

    def __init__(
        self,
        message: str,
        *,
        exchange_code: int | None = None,
        code: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.exchange_code = exchange_code


class ExchangeTemporaryError(ExchangeError):
    """Retry later with backoff (5xx, timeouts, rate limits, bans until they end)."""

    code = "exchange_temporary"

    def __init__(
        self,
        message: str,
        *,
        exchange_code: int | None = None,
        retry_after_s: float | None = None,
        code: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message, exchange_code=exchange_code, code=code, details=details)
        self.retry_after_s = retry_after_s


class ExchangeRejected(ExchangeError):
    """The exchange refused the request itself (balance, filters, bad key). Never retried."""

    code = "exchange_rejected"


class ExchangeOperationalError(ExchangeError):
    """Needs a human: misconfiguration, permissions, unexpected answers."""

    code = "exchange_operational"


class OrderOutcomeUnknown(ExchangeTemporaryError):
    """An order may or may not have been placed; resolve by looking it up by client order id."""

    code = "order_outcome_unknown"
