"""The OpenAPI document states the input rules the server enforces, and the two agree: for e-mail addresses,
passwords, bot names, budgets and strategy ids, a string the document allows is accepted by the server's own
check, and a string the server refuses is refused by the document (property tests over arbitrary text)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from chalicelib.api import openapi
from chalicelib.api.schemas.auth import EMAIL_JSON_PATTERN, PASSWORD_JSON_PATTERN
from chalicelib.api.schemas.bots import BUDGET_PATTERN, STRATEGY_IDS
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.strategies import STRATEGIES
from chalicelib.domain.users import check_password_policy, normalize_email
from chalicelib.services.bots import parse_budget as _budget


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    import app  # noqa: F401  (registers the routes)

    return openapi.build_document("t", "1")


def _property(document: dict[str, Any], model: str, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][model]["properties"][name]
    return schema


def _allows(schema: dict[str, Any], value: str) -> bool:
    return Draft202012Validator(schema).is_valid(value)


def _accepts(check: Any, value: str) -> bool:
    try:
        check(value)
    except InvalidInput:
        return False
    return True


def test_the_document_states_the_rules(document: dict[str, Any]) -> None:
    password = _property(document, "RegisterIn", "password")
    assert (password["minLength"], password["maxLength"], password["pattern"]) == (10, 128, PASSWORD_JSON_PATTERN)
    assert _property(document, "ChangePasswordIn", "new_password")["pattern"] == PASSWORD_JSON_PATTERN
    email = _property(document, "RegisterIn", "email")
    assert (email["maxLength"], email["pattern"]) == (254, EMAIL_JSON_PATTERN)
    for model in ("BotIn", "BotPatch"):
        assert _property(document, model, "name") == {
            "maxLength": 80, "minLength": 1, "pattern": r"\S", "title": "Name", "type": "string"}  # fmt: skip
        assert _property(document, model, "budget")["pattern"] == BUDGET_PATTERN
        assert _property(document, model, "strategy")["enum"] == STRATEGY_IDS == sorted(STRATEGIES)
        assert _property(document, model, "interval")["enum"] == ["1m", "5m", "15m", "1h", "4h", "1d"]
        assert _property(document, model, "mode")["enum"] == ["paper", "live"]
    assert _property(document, "BacktestIn", "strategy")["enum"] == STRATEGY_IDS
    # PATCH: only api_key_id may be null
    patch = document["components"]["schemas"]["BotPatch"]["properties"]
    assert [name for name, prop in patch.items() if {"type": "null"} in prop.get("anyOf", [])] == ["api_key_id"]


_EMAILS = st.one_of(
    st.text(max_size=300),
    st.from_regex(EMAIL_JSON_PATTERN),
    st.emails(),
    st.builds(lambda a, b: f"{a}@{b}", st.text(max_size=70), st.text(max_size=200)),
)


@settings(max_examples=400, deadline=None)
@given(value=_EMAILS)
def test_email_document_and_server_agree(document: dict[str, Any], value: str) -> None:
    assert _allows(_property(document, "RegisterIn", "email"), value) == _accepts(normalize_email, value), value


_PASSWORDS = st.one_of(
    st.text(max_size=140),
    st.text(alphabet="ab \t", min_size=8, max_size=14),
    st.text(alphabet=" \t\n\r\x0b\x0c\x1c\u2003", min_size=10, max_size=12),
    st.from_regex(PASSWORD_JSON_PATTERN).filter(lambda p: len(p) <= 140),
)


@settings(max_examples=400, deadline=None)
@given(value=_PASSWORDS)
def test_password_document_and_server_agree(document: dict[str, Any], value: str) -> None:
    for model, name in (("RegisterIn", "password"), ("ChangePasswordIn", "new_password")):
        assert _allows(_property(document, model, name), value) == _accepts(check_password_policy, value), value


_BUDGETS = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789.", max_size=35),
    st.from_regex(BUDGET_PATTERN),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)


@settings(max_examples=400, deadline=None)
@given(value=_BUDGETS)
def test_a_budget_the_document_allows_is_one_the_service_accepts(document: dict[str, Any], value: str) -> None:
    if _allows(_property(document, "BotIn", "budget"), value):
        assert Decimal(0) < _budget(value) < Decimal("1e12"), value


def test_health_documents_the_operator_token_header(document: dict[str, Any]) -> None:
    operation = document["paths"]["/api/v1/health"]["get"]
    assert [(p["name"], p["in"], p["required"]) for p in operation["parameters"]] == [
        ("X-Operator-Token", "header", False)
    ]
    assert "401" in operation["responses"]
