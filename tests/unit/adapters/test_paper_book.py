"""The paper book's arithmetic without DynamoDB: settling in many reads gives what one read gives (a partial
fill is never counted twice), reservations come back exactly, the OCO tie goes to the stop."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.dynamo.paper import Delta, Move, PaperOrder
from chalicelib.adapters.market.catalog import StaticSymbolCatalog
from chalicelib.adapters.paper_book import CHECKPOINT_CANDLES, candle_quantity, reservation, settle
from chalicelib.domain.candles import Candle
from chalicelib.domain.orders import Order, OrderStatus, OrderType, Side

RULES = StaticSymbolCatalog().symbol_rules("BTCUSDT")
FEE = D("0.001")
T0 = 1_700_000_000_000
MINUTE = 60_000


def candle(k: int, open_: D, high: D, low: D, volume: D = D(100)) -> Candle:
    return Candle(T0 + k * MINUTE, open_, high, low, open_, volume, T0 + (k + 1) * MINUTE - 1)


def resting(side: Side, qty: D, price: D, order_type: OrderType = OrderType.LIMIT, stop: D | None = None) -> PaperOrder:
    order = Order("BTCUSDT", "o1", "paper-o1", side, order_type, OrderStatus.NEW, qty, D(0), D(0), price, T0, (), stop)
    return PaperOrder(order, reservation(RULES, side, qty, price), settled_ms=T0)


def merge(total: dict[str, Delta], more: dict[str, Delta]) -> dict[str, Delta]:
    out = dict(total)
    for asset, d in more.items():
        old = out.get(asset, Delta())
        out[asset] = Delta(old.free + d.free, old.locked + d.locked)
    return out


prices = st.integers(min_value=33_000, max_value=37_000).map(D)


@st.composite
def candles(draw: st.DrawFn) -> list[Candle]:
    out = []
    for k in range(draw(st.integers(min_value=1, max_value=30))):
        a, b, c = sorted(draw(st.lists(prices, min_size=3, max_size=3)))
        volume = draw(st.sampled_from([D(0), D("0.01"), D("0.03"), D(1)]))
        out.append(candle(k, b, c, a, volume))
    return out


@settings(max_examples=150, deadline=None)
@given(
    series=candles(),
    side=st.sampled_from(list(Side)),
    price=prices,
    cuts=st.lists(st.integers(min_value=0, max_value=30), max_size=6),
)
def test_settling_in_many_reads_books_what_one_read_books(
    series: list[Candle], side: Side, price: D, cuts: list[int]
) -> None:
    order = resting(side, D("0.01"), price)
    once = settle([order], series, RULES, FEE)
    state, total = [order], {}  # type: ignore[var-annotated]
    for end in [*sorted(cuts), len(series)]:
        result = settle(state, series[:end], RULES, FEE)
        if result is not None:
            state, total = result[0], merge(total, result[1])
    final = once[0][0] if once is not None else order
    assert state[0].order == final.order and total == (once[1] if once is not None else {})
    # What the order still holds plus what the fills released is exactly what it locked.
    held = state[0].reserved.amount  # type: ignore[union-attr]
    locked_asset = order.reserved.asset  # type: ignore[union-attr]
    assert held - total.get(locked_asset, Delta()).locked == order.reserved.amount  # type: ignore[union-attr]
    if state[0].order.status is OrderStatus.FILLED:
        assert held == 0
    if side is Side.BUY:  # quote spent never exceeds the reservation; nothing is freed from nowhere
        spent = -(total.get("USDT", Delta()).free + total.get("USDT", Delta()).locked)
        assert 0 <= spent <= order.reserved.amount  # type: ignore[union-attr]


def test_a_candle_fills_whole_lot_steps_of_a_tenth_of_its_volume() -> None:
    order = resting(Side.BUY, D("0.01"), D(35000))
    assert candle_quantity(order, candle(0, D(1), D(1), D(1), D("0.0123456")), RULES) == D("0.00123")
    assert candle_quantity(order, candle(0, D(1), D(1), D(1), D(0)), RULES) == D("0.01")  # no volume data


def test_quiet_candles_write_nothing_until_the_checkpoint() -> None:
    order = resting(Side.BUY, D("0.01"), D(30000))
    quiet = [candle(k, D(35000), D(35000), D(35000)) for k in range(CHECKPOINT_CANDLES)]
    assert settle([order], quiet[:-1], RULES, FEE) is None
    checkpoint = settle([order], quiet, RULES, FEE)
    assert checkpoint is not None and checkpoint[1] == {}
    assert checkpoint[0][0].settled_ms == quiet[-1].close_time + 1 and checkpoint[0][0].version == 1


def test_an_oco_candle_reaching_both_legs_fills_the_stop_which_takes_the_reservation() -> None:
    take = resting(Side.SELL, D("0.01"), D(36000), OrderType.LIMIT_MAKER)
    stop_order = Order(
        "BTCUSDT", "o2", "paper-o2", Side.SELL, OrderType.STOP_LOSS_LIMIT, OrderStatus.NEW,
        D("0.01"), D(0), D(0), D(33900), T0, (), D(34000),
    )  # fmt: skip
    stop = PaperOrder(stop_order, Move("BTC", D(0)), settled_ms=T0)
    result = settle([take, stop], [candle(0, D(35000), D(36500), D(33000))], RULES, FEE)
    assert result is not None
    (tp, sl), deltas = result
    assert tp.order.status is OrderStatus.EXPIRED and tp.reserved == Move("BTC", D(0))
    assert sl.order.status is OrderStatus.FILLED and sl.order.average_price == D(33900)
    assert deltas == {"BTC": Delta(D(0), D("-0.01")), "USDT": Delta(D(339) - D("0.339"), D(0))}
