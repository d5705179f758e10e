from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.signals import (
    Holdings,
    SignalRefused,
    check_fresh,
    normalise_symbol,
    parse_body,
    plan_order,
    signal_identity,
    signal_order_id,
)
from chalicelib.domain.strategies import validate_params

PARAMS = validate_params("signal", {})


def test_a_tradingview_json_body_with_its_placeholders_filled() -> None:
    body = (
        b'{"action": "BUY", "ticker": "BINANCE:BTCUSDT", "contracts": "0.01", "close": "64000.5",'
        b' "time": "2026-03-01T10:00:00Z", "signal_id": "tv-1", "extra": {"ignored": true}}'
    )
    parsed = parse_body(body)
    assert (parsed.action, parsed.symbol, parsed.signal_id) == ("buy", "BTCUSDT", "tv-1")
    assert parsed.sent_at_ms == 1_772_359_200_000 and parsed.price == Decimal("64000.5")


@pytest.mark.parametrize(("raw", "action"), [(b"buy", "buy"), (b" Sell\n", "sell"), (b"close", "close"),
                                             (b"long", "buy"), (b"exit", "close")])  # fmt: skip
def test_plain_text_bodies(raw: bytes, action: str) -> None:
    parsed = parse_body(raw)
    assert parsed.action == action and parsed.symbol is None and parsed.signal_id is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"action": "buy",', "malformed_json"),
        (b"[1, 2]", "unknown_action"),
        (b'["buy"]', "unknown_action"),
        (b"{}", "unknown_action"),
        (b"to the moon", "unknown_action"),
        (b'{"action": "buy", "signal_id": "has space"}', "invalid_field"),
        (b'{"action": "buy", "time": "yesterday"}', "invalid_field"),
        (b'{"action": "buy", "close": "-1"}', "invalid_field"),
        (b'{"action": "buy", "close": "NaN"}', "invalid_field"),
        (b'{"action": {"nested": 1}}', "invalid_field"),
        (b"\xff\xfe", "invalid_encoding"),
        (b"b" * 9000, "payload_too_large"),
    ],
)
def test_bodies_that_carry_no_signal_say_why(raw: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_body(raw)
    assert err.value.code == code


def test_symbols_lose_exchange_prefixes_and_perpetual_suffixes() -> None:
    assert normalise_symbol("BINANCE:ethusdt") == "ETHUSDT"
    assert normalise_symbol("BTCUSDT.P") == "BTCUSDT"


def test_identity_is_the_signal_id_or_the_body_within_its_minute() -> None:
    plain = parse_body(b"buy")
    same_minute = signal_identity("b1", plain, b"buy", 60_000), signal_identity("b1", plain, b"buy ", 119_999)
    assert same_minute[0] == same_minute[1]
    assert signal_identity("b1", plain, b"buy", 120_000) != same_minute[0]
    assert signal_identity("b2", plain, b"buy", 60_000) != same_minute[0]
    assert signal_identity("b1", parse_body(b'{"action":"buy","signal_id":"x"}'), b"", 0) == "x"


def test_client_order_ids_fit_binance_and_differ_by_leg_and_signal() -> None:
    ids = {signal_order_id("b1", s, leg) for s in ("a", "b") for leg in ("entry", "exit")}
    assert len(ids) == 4
    assert all(len(i) <= 36 and i.replace("_", "").replace("-", "").isalnum() for i in ids)


def test_freshness() -> None:
    check_fresh(None, 1_000, 60_000, 60)
    with pytest.raises(SignalRefused, match="61 s old") as err:
        check_fresh(None, 0, 61_000, 60)
    assert err.value.reason == "stale"
    with pytest.raises(SignalRefused) as err:
        check_fresh(200_000, 0, 100_000, 60)
    assert err.value.reason == "future_time"


def held(**over: object) -> Holdings:
    base = dict(budget=Decimal(1000), cash=Decimal(1000), position_qty=Decimal(0), adds=0, price=Decimal(100),
                min_notional=Decimal(5))  # fmt: skip
    return Holdings(**{**base, **over})  # type: ignore[arg-type]


def test_a_buy_spends_the_configured_size_capped_at_the_cash() -> None:
    assert plan_order("buy", PARAMS, held()).quote_amount == Decimal(1000)
    quarter = {**PARAMS, "size_value": 25.0}
    assert plan_order("buy", quarter, held()).quote_amount == Decimal(250)
    fixed = {**PARAMS, "size_mode": "quote", "size_value": 300.0}
    assert plan_order("buy", fixed, held(cash=Decimal(200))).quote_amount == Decimal(200)


@pytest.mark.parametrize(
    ("action", "params", "holdings", "reason"),
    [
        ("buy", {"allow_buy": False}, {}, "action_not_allowed"),
        ("buy", {}, {"position_qty": Decimal(1)}, "already_in_position"),
        ("buy", {"in_position_buy": "add", "max_adds": 1}, {"position_qty": Decimal(1), "adds": 1}, "max_adds_reached"),
        ("buy", {}, {"cash": Decimal(2)}, "insufficient_balance"),
        ("buy", {"size_mode": "quote", "size_value": 1.0}, {}, "below_minimum_notional"),
        ("sell", {}, {}, "no_position"),
        ("close", {}, {"position_qty": Decimal("0.01")}, "below_minimum_notional"),
    ],
)
def test_refusals(action: str, params: dict[str, object], holdings: dict[str, object], reason: str) -> None:
    with pytest.raises(SignalRefused) as err:
        plan_order(action, {**PARAMS, **params}, held(**holdings))
    assert err.value.reason == reason


def test_sell_and_close_sell_the_whole_position_and_a_buy_may_add() -> None:
    order = plan_order("close", PARAMS, held(position_qty=Decimal("0.5")))
    assert (order.leg, order.side, order.quantity) == ("exit", "SELL", Decimal("0.5"))
    add = {**PARAMS, "in_position_buy": "add", "size_mode": "quote", "size_value": 100.0}
    order = plan_order("buy", add, held(position_qty=Decimal("0.5"), adds=2))
    assert (order.leg, order.side, order.quote_amount) == ("entry", "BUY", Decimal(100))


def test_params_need_an_action_and_a_sane_percentage() -> None:
    with pytest.raises(InvalidInput):
        validate_params("signal", {"allow_buy": False, "allow_sell": False, "allow_close": False})
    with pytest.raises(InvalidInput):
        validate_params("signal", {"size_value": 150})
