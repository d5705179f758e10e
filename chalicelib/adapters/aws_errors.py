"""The AWS edge of the error taxonomy: botocore and pynamodb failures become domain errors here, so no module
outside `adapters/` needs to know those libraries to answer a caller (the API's 503, a worker's retry).

Every AWS adapter inherits `AwsBoundary`. Its public methods translate on the way out, however they are
reached: through the class, or an instance attribute a test replaced. Only the outermost adapter call
translates, so an adapter that calls another and catches pynamodb's `PutError` (a refused condition) still
sees the library's own exception."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from chalicelib.domain.errors import DependencyUnavailable

DEPENDENCY_ERRORS: tuple[type[Exception], ...] = (PynamoDBException, BotoCoreError, ClientError)

# Throttling, a 5xx, a timeout, a refused condition that escaped its adapter: the caller did nothing wrong,
# nothing is known to have changed, and a retry may succeed. The API has always answered all of them alike.
_MESSAGE = "A backing service is busy or unreachable; try again."
_RETRY_AFTER_S = 2

_calls = threading.local()


def aws_error_code(exc: BaseException) -> str:
    """AWS's own name for the failure (`ThrottlingException`, `ConditionalCheckFailedException`, ...), or the
    exception's type when AWS gave none (timeouts, refused connections)."""
    # pynamodb's `cause_response_code` raises AttributeError when the cause had no response (a timeout).
    cause = exc.cause if isinstance(exc, PynamoDBException) and exc.cause is not None else exc
    if isinstance(cause, ClientError):
        return str(cause.response.get("Error", {}).get("Code") or type(cause).__name__)
    return type(cause).__name__


def translate(exc: BaseException) -> DependencyUnavailable:
    return DependencyUnavailable(
        _MESSAGE, code="dependency_unavailable", retry_after_s=_RETRY_AFTER_S, aws_code=aws_error_code(exc)
    )


def _outermost() -> bool:
    return not getattr(_calls, "inside", False)


def _translating_iterator(items: Iterator[Any]) -> Iterator[Any]:
    try:
        yield from items
    except DEPENDENCY_ERRORS as exc:
        raise translate(exc) from exc


def translating(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method`, answering domain errors instead of AWS library ones when it is the outermost adapter call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        if not _outermost():
            return method(*args, **kwargs)
        _calls.inside = True
        try:
            result = method(*args, **kwargs)
        except DEPENDENCY_ERRORS as exc:
            raise translate(exc) from exc
        finally:
            _calls.inside = False
        return _translating_iterator(result) if inspect.isgenerator(result) else result

    return call


class AwsBoundary:
    """Base of every adapter that talks to AWS: see the module docstring."""

    if not TYPE_CHECKING:  # mypy keeps checking each attribute's own type

        def __getattribute__(self, name: str) -> Any:
            value = object.__getattribute__(self, name)
            if name.startswith("_") or isinstance(value, type) or not callable(value):
                return value
            return translating(value)


__all__ = ["DEPENDENCY_ERRORS", "AwsBoundary", "aws_error_code", "translate", "translating"]
