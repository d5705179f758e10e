"""Each AWS failure an adapter can meet becomes `DependencyUnavailable` at the adapter's edge, and the API
answers it exactly as it answered the raw botocore/pynamodb exception before the translation moved out of
`api/routing.py`: 503, the same JSON error, Retry-After: 2."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from chalice.app import Blueprint, Chalice
from chalice.test import Client
from pynamodb.exceptions import GetError, PutError, TransactWriteError

from chalicelib.adapters.aws_errors import AwsBoundary
from chalicelib.api import openapi, routing
from chalicelib.domain.errors import DependencyUnavailable

# What routing.py answered for PynamoDBException / BotoCoreError / ClientError before this change.
BEFORE = {
    "error": {
        "code": "dependency_unavailable",
        "message": "A backing service is busy or unreachable; try again.",
        "details": None,
    }
}


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op")


FAILURES: dict[str, Callable[[], Exception]] = {
    "throttled": lambda: _client_error("ProvisionedThroughputExceededException", 400),
    "throttling_exception": lambda: _client_error("ThrottlingException", 400),
    "server_error_5xx": lambda: _client_error("InternalServerError", 500),
    "service_unavailable_5xx": lambda: _client_error("ServiceUnavailable", 503),
    "read_timeout": lambda: ReadTimeoutError(endpoint_url="http://dynamodb"),
    "unreachable": lambda: EndpointConnectionError(endpoint_url="http://dynamodb"),
    "condition_failed_escaped": lambda: PutError(
        "Failed to put item", _client_error("ConditionalCheckFailedException", 400)
    ),
    "pynamodb_timeout": lambda: GetError("Failed to get item", ReadTimeoutError(endpoint_url="http://dynamodb")),
    "transaction_cancelled": lambda: TransactWriteError(
        "Failed", _client_error("TransactionCanceledException", 400)
    ),
}

AWS_CODES = {
    "throttled": "ProvisionedThroughputExceededException",
    "throttling_exception": "ThrottlingException",
    "server_error_5xx": "InternalServerError",
    "service_unavailable_5xx": "ServiceUnavailable",
    "read_timeout": "ReadTimeoutError",
    "unreachable": "EndpointConnectionError",
    "condition_failed_escaped": "ConditionalCheckFailedException",
    "pynamodb_timeout": "ReadTimeoutError",
    "transaction_cancelled": "TransactionCanceledException",
}


class FailingStore(AwsBoundary):
    def __init__(self, failure: Exception) -> None:
        self._failure = failure

    def get(self, key: str) -> str:
        raise self._failure

    def scan(self) -> Iterator[str]:
        yield "first"
        raise self._failure


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Callable[[Exception], Any]:
    monkeypatch.setattr(routing, "_source_ip", lambda request: "127.0.0.1")
    # The route below must not join the application's OpenAPI document.
    monkeypatch.setattr(openapi, "OPERATIONS", list(openapi.OPERATIONS))

    def build(failure: Exception) -> Any:
        app, bp = Chalice(app_name="aws-errors-test"), Blueprint(__name__)
        store = FailingStore(failure)

        @routing.endpoint(bp, "/thing", "GET", summary="t", tags=("t",), auth=False)
        def read_thing(ctx: routing.Ctx) -> dict[str, str]:
            return {"value": store.get("k")}

        app.register_blueprint(bp)
        return app

    return build


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_the_api_answers_a_translated_failure_as_before(api: Callable[[Exception], Any], name: str) -> None:
    with Client(api(FAILURES[name]())) as client:
        answer = client.http.get("/thing")
    assert answer.status_code == 503
    assert json.loads(answer.body) == BEFORE
    assert answer.headers["Retry-After"] == "2"


@pytest.mark.parametrize("name", sorted(FAILURES))
def test_the_adapter_raises_the_domain_error_with_the_cause(name: str) -> None:
    failure = FAILURES[name]()
    with pytest.raises(DependencyUnavailable) as raised:
        FailingStore(failure).get("k")
    assert raised.value.__cause__ is failure
    assert raised.value.aws_code == AWS_CODES[name]


def test_a_failure_while_iterating_a_generator_method_is_translated() -> None:
    items = FailingStore(_client_error("ThrottlingException", 400)).scan()
    assert next(items) == "first"
    with pytest.raises(DependencyUnavailable):
        next(items)


def test_an_adapter_calling_another_sees_the_library_exception() -> None:
    """Only the outermost adapter call translates: an adapter that handles pynamodb's own exception from
    another adapter keeps working."""
    inner = FailingStore(PutError("Failed to put item", _client_error("ConditionalCheckFailedException", 400)))

    class Outer(AwsBoundary):
        def write(self) -> str:
            try:
                inner.get("k")
            except PutError:
                return "handled"
            return "not reached"

    assert Outer().write() == "handled"


def test_a_method_replaced_on_the_instance_is_translated_too() -> None:
    store = FailingStore(RuntimeError("not AWS"))
    store.get = lambda key: (_ for _ in ()).throw(ReadTimeoutError(endpoint_url="x"))  # type: ignore[method-assign]
    with pytest.raises(DependencyUnavailable):
        store.get("k")


def test_other_exceptions_pass_unchanged() -> None:
    with pytest.raises(RuntimeError, match="not AWS"):
        FailingStore(RuntimeError("not AWS")).get("k")

