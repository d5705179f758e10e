"""A symbol's trading rules (Binance's exchange filters) and the pure functions that fit an order to them.

Binance rejects an order that breaks a filter with -1013; we check the same rules before sending so the
user gets a clear local message instead, and the paper exchange applies exactly the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from chalicelib.domain.errors import ExchangeRejected
from chalicelib.domain.orders import OcoRequest, OrderRequest, OrderType, Side

ZERO = Decimal(0)


class FilterRejected(ExchangeRejected):
    """An order that cannot fit the symbol's filters; refused locally, never sent."""

    code = "order_filter"


@dataclass(frozen=True, slots=True)
class QuantityFilter:
    """LOT_SIZE or MARKET_LOT_SIZE. A zero step or max means the exchange does not constrain it."""

    min_qty: Decimal
    max_qty: Decimal
    step_size: Decimal


@dataclass(frozen=True, slots=True)
class PriceFilter:
    """PRICE_FILTER. Zero min/max/tick disable that part of the rule, as on Binance."""

    min_price: Decimal
    max_price: Decimal
    tick_size: Decimal


@dataclass(frozen=True, slots=True)
class NotionalFilter:
    """NOTIONAL (or the legacy MIN_NOTIONAL, which has no maximum)."""

    min_notional: Decimal
    apply_min_to_market: bool = True
    max_notional: Decimal | None = None
    apply_max_to_market: bool = False


@dataclass(frozen=True, slots=True)
class PercentPriceBySide:
    """PERCENT_PRICE_BY_SIDE (or the older PERCENT_PRICE, the same multipliers on both sides): a limit price
    must lie within [down, up] x the symbol's average price over `avg_price_mins` (0: the last price)."""

    bid_multiplier_up: Decimal
    bid_multiplier_down: Decimal
    ask_multiplier_up: Decimal
    ask_multiplier_down: Decimal
    avg_price_mins: int = 5

    def bounds(self, side: Side, reference: Decimal) -> tuple[Decimal, Decimal]:
        if side is Side.BUY:
            return reference * self.bid_multiplier_down, reference * self.bid_multiplier_up
        return reference * self.ask_multiplier_down, reference * self.ask_multiplier_up


# Binance's defaults where exchangeInfo lists no MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS filter.
DEFAULT_MAX_NUM_ORDERS = 200
DEFAULT_MAX_NUM_ALGO_ORDERS = 5
# "Algo" orders in Binance's sense: the ones with a stop price, counted by MAX_NUM_ALGO_ORDERS.
ALGO_TYPES = frozenset({OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT})


@dataclass(frozen=True, slots=True)
class SymbolRules:
    symbol: str
    status: str
    base_asset: str
    quote_asset: str
    lot_size: QuantityFilter
    price_filter: PriceFilter
    market_lot_size: QuantityFilter | None = None
    notional: NotionalFilter | None = None
    order_types: tuple[str, ...] = ("LIMIT", "MARKET")
    percent_price: PercentPriceBySide | None = None
    max_num_orders: int = DEFAULT_MAX_NUM_ORDERS  # open orders per account and symbol, OCO legs included
    max_num_algo_orders: int = DEFAULT_MAX_NUM_ALGO_ORDERS  # of which stop orders
    oco_allowed: bool = True

    @property
    def is_trading(self) -> bool:
        return self.status == "TRADING"

    def quantity_filter(self, *, market: bool) -> QuantityFilter:
        """MARKET_LOT_SIZE governs market orders where it is set (a zero step there means 'use LOT_SIZE')."""
        if market and self.market_lot_size is not None:
            mls = self.market_lot_size
            step = mls.step_size if mls.step_size > 0 else self.lot_size.step_size
            min_qty = max(mls.min_qty, self.lot_size.min_qty)
            return QuantityFilter(min_qty=min_qty, max_qty=mls.max_qty, step_size=step)
        return self.lot_size


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _reject(rules: SymbolRules, filter_name: str, message: str) -> FilterRejected:
    return FilterRejected(
        f"{rules.symbol}: {message}",
        details={"symbol": rules.symbol, "filter": filter_name},
    )


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _quantize_like(value: Decimal, step: Decimal, origin: Decimal) -> Decimal:
    """Show a value on the grid `origin + k * step` with the grid's decimals (0.00100000 step -> 3)."""
    places = max(_places(step), _places(origin))
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)


def round_quantity(rules: SymbolRules, quantity: Decimal, *, market: bool) -> Decimal:
    """Round DOWN to the step (never spend more than asked) and check min/max."""
    qf = rules.quantity_filter(market=market)
    name = "MARKET_LOT_SIZE" if market and rules.market_lot_size is not None else "LOT_SIZE"
    rounded = quantity
    if qf.step_size > 0:
        steps = ((quantity - qf.min_qty) / qf.step_size).to_integral_value(rounding=ROUND_FLOOR)
        rounded = _quantize_like(qf.min_qty + steps * qf.step_size, qf.step_size, qf.min_qty)
    if quantity < qf.min_qty or rounded < qf.min_qty or rounded <= 0:
        raise _reject(
            rules,
            name,
            f"quantity {_fmt(quantity)} is below {name} minQty {_fmt(qf.min_qty)} "
            f"(stepSize {_fmt(qf.step_size)}); increase the order size",
        )
    if qf.max_qty > 0 and rounded > qf.max_qty:
        raise _reject(rules, name, f"quantity {_fmt(rounded)} is above {name} maxQty {_fmt(qf.max_qty)}")
    return rounded


def round_price(rules: SymbolRules, price: Decimal, side: Side) -> Decimal:
    """Round to the tick on the side that never makes the order worse: buys down, sells up."""
    pf = rules.price_filter
    rounded = price
    if pf.tick_size > 0:
        mode = ROUND_FLOOR if side is Side.BUY else ROUND_CEILING
        ticks = ((price - pf.min_price) / pf.tick_size).to_integral_value(rounding=mode)
        rounded = _quantize_like(pf.min_price + ticks * pf.tick_size, pf.tick_size, pf.min_price)
    if rounded <= 0 or (pf.min_price > 0 and rounded < pf.min_price):
        raise _reject(rules, "PRICE_FILTER", f"price {_fmt(price)} is below PRICE_FILTER minPrice {_fmt(pf.min_price)}")
    if pf.max_price > 0 and rounded > pf.max_price:
        raise _reject(rules, "PRICE_FILTER", f"price {_fmt(price)} is above PRICE_FILTER maxPrice {_fmt(pf.max_price)}")
    return rounded


def check_notional(rules: SymbolRules, quantity: Decimal, price: Decimal, *, market: bool) -> None:
    nf = rules.notional
    if nf is None:
        return
    notional = quantity * price
    if (not market or nf.apply_min_to_market) and notional < nf.min_notional:
        raise _reject(
            rules,
            "NOTIONAL",
            f"order value {_fmt(notional)} {rules.quote_asset} is below the minimum notional "
            f"{_fmt(nf.min_notional)} {rules.quote_asset}; increase the order size",
        )
    if nf.max_notional and (not market or nf.apply_max_to_market) and notional > nf.max_notional:
        raise _reject(
            rules,
            "NOTIONAL",
            f"order value {_fmt(notional)} {rules.quote_asset} is above the maximum notional "
            f"{_fmt(nf.max_notional)} {rules.quote_asset}",
        )


def check_percent_price(rules: SymbolRules, price: Decimal, side: Side, reference: Decimal | None) -> None:
    """PERCENT_PRICE_BY_SIDE against the reference (the average price Binance judges by); skipped without one."""
    pp = rules.percent_price
    if pp is None or reference is None or reference <= 0:
        return
    low, high = pp.bounds(side, reference)
    if low <= price <= high:
        return
    where = "above" if price > high else "below"
    bound = high if price > high else low
    raise _reject(
        rules,
        "PERCENT_PRICE_BY_SIDE",
        f"{side.value.lower()} price {_fmt(price)} is {where} {_fmt(bound)}, the limit PERCENT_PRICE_BY_SIDE allows "
        f"around the average price {_fmt(reference)} ({_fmt(low)} to {_fmt(high)}); choose a price nearer the market",
    )


def check_order_count(rules: SymbolRules, *, orders: int, algo_orders: int = 0) -> None:
    """Refuse a plan that needs more open orders on the symbol than MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS allow
    (an OCO counts as 2 orders, 1 of them algo). Binance would refuse the order past the limit with -1013."""
    if orders > rules.max_num_orders:
        raise _reject(
            rules,
            "MAX_NUM_ORDERS",
            f"{orders} open orders are needed but the symbol allows at most {rules.max_num_orders} "
            "(MAX_NUM_ORDERS) per account; use fewer grid levels or safety orders",
        )
    if algo_orders > rules.max_num_algo_orders:
        raise _reject(
            rules,
            "MAX_NUM_ALGO_ORDERS",
            f"{algo_orders} stop orders are needed but the symbol allows at most {rules.max_num_algo_orders} "
            "(MAX_NUM_ALGO_ORDERS) per account",
        )


def _check_tradable(rules: SymbolRules, *types: OrderType) -> None:
    if not rules.is_trading:
        raise _reject(rules, "STATUS", f"symbol is not trading now (status {rules.status})")
    for order_type in types:
        if order_type.value not in rules.order_types:
            raise _reject(rules, "ORDER_TYPES", f"{order_type.value} orders are not allowed on this symbol")


def fit_order(rules: SymbolRules, request: OrderRequest, reference_price: Decimal | None = None) -> OrderRequest:
    """The request rounded to the symbol's filters, or FilterRejected saying why it cannot fit.

    Prices (limit and stop) round to the tick on the side that never makes the order worse: a buy's down, a
    sell's up. `reference_price` is the price a market order's notional is judged at (Binance uses its average
    price) and the one a limit price is held against by PERCENT_PRICE_BY_SIDE; a limit order's notional is
    judged at its own (rounded) price."""
    if request.symbol != rules.symbol:
        raise ValueError(f"rules for {rules.symbol} applied to an order for {request.symbol}")
    _check_tradable(rules, request.type)
    market = request.type is OrderType.MARKET
    quantity = round_quantity(rules, request.quantity, market=market)
    price = None if request.price is None else round_price(rules, request.price, request.side)
    stop = None if request.stop_price is None else round_price(rules, request.stop_price, request.side)
    reference = reference_price or request.reference_price
    if price is not None:
        check_percent_price(rules, price, request.side, reference)
    judged_at = price if price is not None else reference
    if judged_at is not None:
        check_notional(rules, quantity, judged_at, market=market)
    return replace(request, quantity=quantity, price=price, stop_price=stop)


def fit_oco(rules: SymbolRules, request: OcoRequest, reference_price: Decimal | None = None) -> OcoRequest:
    """A sell OCO rounded to the filters (every price of a sell rounds up, so stop limit <= stop still holds),
    each leg checked like a lone order: notional at its own limit price, PERCENT_PRICE_BY_SIDE on the ask side."""
    if request.symbol != rules.symbol:
        raise ValueError(f"rules for {rules.symbol} applied to an order for {request.symbol}")
    _check_tradable(rules, OrderType.LIMIT_MAKER, OrderType.STOP_LOSS_LIMIT)
    if not rules.oco_allowed:
        raise _reject(rules, "ORDER_TYPES", "OCO orders are not allowed on this symbol")
    quantity = round_quantity(rules, request.quantity, market=False)
    take_profit = round_price(rules, request.take_profit_price, request.side)
    stop = round_price(rules, request.stop_price, request.side)
    stop_limit = round_price(rules, request.stop_limit_price, request.side)
    if stop >= take_profit:
        raise _reject(rules, "PRICE_FILTER", f"stop {_fmt(stop)} and take-profit {_fmt(take_profit)} round to one tick")
    for price in (take_profit, stop_limit):
        check_percent_price(rules, price, request.side, reference_price)
        check_notional(rules, quantity, price, market=False)
    return replace(
        request, quantity=quantity, take_profit_price=take_profit, stop_price=stop, stop_limit_price=stop_limit
    )
