"""DynamoClaims without AWS: the conditional put it sends lets an expired claim be taken again, and it reads
the expiry from the injected clock (the moto test in tests/integration/bots/test_dispatch_claims.py runs the
same condition against a table)."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.exceptions import PutError

from chalicelib.adapters.dynamo.attempts import CounterModel
from chalicelib.adapters.dynamo.claims import DynamoClaims, free_at
from chalicelib.domain.clock import ManualClock
from chalicelib.domain.errors import DependencyUnavailable

NOW_MS = 1_767_225_660_500


def _serialize(condition: Any) -> tuple[str, dict[str, str], dict[str, Any]]:
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    text = condition.serialize(names, values)
    return text, {v: k for k, v in names.items()}, values


def test_the_condition_frees_a_missing_key_or_an_expired_claim() -> None:
    text, names, values = _serialize(free_at(1_767_225_660))
    assert text == "(attribute_not_exists (#0) OR #1 < :0)"
    assert names == {"#0": "pk", "#1": "expires_at"}
    assert values == {":0": {"N": "1767225660"}}


def test_claim_writes_its_expiry_and_the_condition_for_the_clocks_now(monkeypatch: pytest.MonkeyPatch) -> None:
    saved: list[tuple[CounterModel, Any]] = []

    def save(self: CounterModel, condition: Any = None, **_: Any) -> dict[str, Any]:
        saved.append((self, condition))
        return {}

    monkeypatch.setattr(CounterModel, "save", save)
    assert DynamoClaims(ManualClock(NOW_MS)).claim("dispatch#1m#03#1767225660000", ttl_s=3600)
    item, condition = saved[0]
    assert item.pk == "claim#dispatch#1m#03#1767225660000"
    assert item.expires_at == 1_767_225_660 + 3600
    text, _, values = _serialize(condition)
    assert text == "(attribute_not_exists (#0) OR #1 < :0)" and values == {":0": {"N": "1767225660"}}


def test_a_held_claim_answers_false_and_other_errors_are_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    class Failed(PutError):
        def __init__(self, code: str) -> None:
            super().__init__("put failed")
            self._code = code

        @property
        def cause_response_code(self) -> str:
            return self._code

    errors = iter([Failed("ConditionalCheckFailedException"), Failed("ProvisionedThroughputExceededException")])

    def save(self: CounterModel, condition: Any = None, **_: Any) -> dict[str, Any]:
        raise next(errors)

    monkeypatch.setattr(CounterModel, "save", save)
    claims = DynamoClaims(ManualClock(NOW_MS))
    assert claims.claim("k", ttl_s=60) is False
    # Any other failure leaves the adapter in the domain's taxonomy (adapters/aws_errors.py), the store's error
    # as its cause.
    with pytest.raises(DependencyUnavailable) as raised:
        claims.claim("k", ttl_s=60)
    assert isinstance(raised.value.__cause__, PutError)
