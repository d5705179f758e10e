"""The Binance spot exchange on python-binance, behind the `RestingExchange` port (resting.py: its half).

python-binance costs ~0.6 s to import (aiohttp, dateparser), so it is imported only inside the methods
that call Binance, and the client is built on the first call (`ping=False`: no network at construction).
Every call goes through `_call`, the one retry policy: backoff with jitter for temporary failures,
a shared pause on bans, one time resync on -1021, no retry on rejections, and never a second send of an
order request (place or cancel) whose answer could mean it executed: those are resolved by lookup.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from chalicelib.adapters.binance import caches, mapping
from chalicelib.adapters.binance.budget import WeightBudget
from chalicelib.adapters.binance.caches import InfoCache, InMemoryInfoCache, ServerTimeOffsets
from chalicelib.adapters.binance.endpoint import BinanceCredentials, BinanceEndpoint
from chalicelib.adapters.binance.errors import Classified, Kind, classify, response_headers
from chalicelib.adapters.binance.policy import RetryPolicy, resolve_cancel, resolve_order
from chalicelib.adapters.binance.resting import RestingOrders
from chalicelib.domain.candles import Candle, interval_ms
from chalicelib.domain.clock import Clock, floor_to
from chalicelib.domain.errors import ExchangeError, ExchangeOperationalError, NotFound, OrderOutcomeUnknown
from chalicelib.domain.orders import Balance, Order, OrderRequest
from chalicelib.domain.symbols import SymbolRules, fit_order

if TYPE_CHECKING:
    from binance.client import Client

logger = Logger(child=True)

# Request weights (REST API docs); reserved in the shared budget before each call.
W_KLINES = 2
W_EXCHANGE_INFO = 20
W_ACCOUNT = 20
W_ORDER = 1
W_QUERY_ORDER = 4
W_MY_TRADES_OF_ORDER = 5
W_CANCEL = 1
W_TIME = 1
W_AVG_PRICE = 2
W_SAPI = 1


class BinanceSpotExchange(RestingOrders):
    def __init__(
        self,
        endpoint: BinanceEndpoint,
        budget: WeightBudget,
        *,
        credentials: BinanceCredentials | None = None,
        info_cache: InfoCache | None = None,
        clock: Clock,
        sleep: Callable[[float], None] = time.sleep,
        policy: RetryPolicy | None = None,
        timeout_s: tuple[float, float] = (3.05, 10.0),
        time_offsets: ServerTimeOffsets | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._budget = budget
        self._credentials = credentials
        self._info_cache = info_cache or InMemoryInfoCache()
        self._clock = clock
        self._sleep = sleep
        self._policy = policy or RetryPolicy()
        self._timeout_s = timeout_s
        self._time_offsets = time_offsets if time_offsets is not None else caches.PROCESS_TIME_OFFSETS
        self._client_obj: Client | None = None
        self._rules: dict[str, SymbolRules] = {}

    def __repr__(self) -> str:
        return f"BinanceSpotExchange({self._endpoint.name}, signed={self._credentials is not None})"

    # --- the port ------------------------------------------------------------------------------

    def klines(self, symbol: str, interval: str, *, limit: int = 500, end_ms: int | None = None) -> list[Candle]:
        step = interval_ms(interval)
        params: dict[str, Any] = {"symbol": symbol, "interval": interval, "limit": min(limit + 1, 1000)}
        if end_ms is not None:
            params["endTime"] = end_ms
        rows = self._call(lambda c: c.get_klines(**params), weight=W_KLINES)
        cutoff = self._server_now_ms() if end_ms is None else min(end_ms, self._server_now_ms())
        candles = [mapping.candle_from_row(r) for r in rows]
        closed = [c for c in candles if c.close_time < cutoff and c.close_time - c.open_time == step - 1]
        return closed[-limit:]

    def minute_open(self, symbol: str, at_ms: int) -> Decimal | None:
        """The open of the 1m bar in progress at `at_ms` (Binance serves the bar in progress with klines)."""
        minute = floor_to(at_ms, 60_000)
        params = {"symbol": symbol, "interval": "1m", "startTime": minute, "limit": 1}
        rows = self._call(lambda c: c.get_klines(**params), weight=W_KLINES)
        candles = [mapping.candle_from_row(r) for r in rows]
        return candles[0].open if candles and candles[0].open_time == minute else None

    def symbol_rules(self, symbol: str) -> SymbolRules:
        if symbol in self._rules:
            return self._rules[symbol]
        key = f"binance:{self._endpoint.name}:exchangeInfo:{symbol}"
        cached = self._info_cache.get(key, self._clock.now_ms())
        if cached is None:
            info = self._call(lambda c: c._get("exchangeInfo", data={"symbol": symbol}), weight=W_EXCHANGE_INFO)
            entries = [s for s in info.get("symbols", []) if s.get("symbol") == symbol]
            if not entries:
                raise NotFound(f"Binance lists no symbol {symbol}", code="unknown_symbol")
            cached = json.dumps(entries[0])
            self._info_cache.put(key, cached, caches.EXCHANGE_INFO_TTL_S, self._clock.now_ms())
        rules = mapping.symbol_rules_from_info(json.loads(cached))
        self._rules[symbol] = rules
        return rules

    def balances(self) -> list[Balance]:
        data = self._call(lambda c: c.get_account(omitZeroBalances="true"), weight=W_ACCOUNT, signed=True)
        return mapping.balances_from_account(data)

    def place_order(self, request: OrderRequest) -> Order:
        rules = self.symbol_rules(request.symbol)
        reference = request.reference_price
        judged = rules.notional is not None if request.is_market else rules.percent_price is not None
        if reference is None and judged:  # the average price Binance judges the notional / the price band by
            reference = self._avg_price(request.symbol)
        fitted = fit_order(rules, request, reference)
        params = mapping.order_params(fitted)
        try:
            data = self._call(lambda c: c.create_order(**params), weight=W_ORDER, signed=True, order=True)
        except OrderOutcomeUnknown as exc:
            logger.warning("order outcome unknown, resolving by lookup", extra=mapping.order_log(fitted, exc))
            return self._resolve(fitted, exc)
        except ExchangeError as exc:
            if exc.code != "duplicate_order":
                raise
            logger.info(
                "duplicate client order id: already placed, looking it up", extra=mapping.order_log(fitted, exc)
            )
            return self._resolve(fitted, exc)
        return mapping.order_from_response(data)

    def get_order_by_client_id(self, symbol: str, client_order_id: str) -> Order | None:
        try:
            data = self._call(
                lambda c: c.get_order(symbol=symbol, origClientOrderId=client_order_id),
                weight=W_QUERY_ORDER,
                signed=True,
            )
        except ExchangeError as exc:
            if exc.code == "no_such_order":
                return None
            raise
        return self._with_fills(mapping.order_from_response(data))

    def cancel_order(self, symbol: str, client_order_id: str) -> Order:
        try:
            data = self._call(
                lambda c: c.cancel_order(symbol=symbol, origClientOrderId=client_order_id),
                weight=W_CANCEL,
                signed=True,
                order=True,
            )
        except OrderOutcomeUnknown as exc:
            logger.warning(
                "cancel outcome unknown, resolving by lookup",
                extra={"symbol": symbol, "client_order_id": client_order_id, "error": exc.message},
            )
            lookup = partial(self.get_order_by_client_id, symbol, client_order_id)
            return resolve_cancel(
                self._policy, lookup, self._sleep, exc, symbol=symbol, client_order_id=client_order_id
            )
        except ExchangeError as exc:
            if exc.exchange_code not in (-2011, -2013):
                raise
            existing = self.get_order_by_client_id(symbol, client_order_id)
            if existing is None:
                raise NotFound(f"no order {client_order_id} on {symbol}", code="unknown_order") from None
            return existing  # it finished before the cancel arrived
        return self._with_fills(mapping.order_from_response(data))  # a part that filled first brings its fees

    def _with_fills(self, order: Order) -> Order:
        """A query-order (or cancel) answer has no fills, so no fees: a bot booking a bought quantity without the fee
        charged in the base asset would hold more than the account and its sell would be refused. The order's
        own trades carry them (only for orders found by lookup: a placement's FULL answer has its fills)."""
        if order.fills or order.executed_quantity <= 0:
            return order
        rows = self._call(
            lambda c: c.get_my_trades(symbol=order.symbol, orderId=int(order.exchange_order_id)),
            weight=W_MY_TRADES_OF_ORDER,
            signed=True,
        )
        return dataclasses.replace(order, fills=mapping.fills_from_trades(rows))

    # --- wider than the port: the key check uses these --------------------------------------------

    def account(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call(
            lambda c: c.get_account(omitZeroBalances="true"), weight=W_ACCOUNT, signed=True
        )
        return result

    def api_restrictions(self) -> dict[str, Any]:
        if self._endpoint.sapi_url is None:
            raise ExchangeOperationalError(f"{self._endpoint.name} has no /sapi endpoints")
        result: dict[str, Any] = self._call(lambda c: c.get_account_api_permissions(), weight=W_SAPI, signed=True)
        return result

    # --- the one retry policy --------------------------------------------------------------------

    def _call(self, fn: Callable[[Client], Any], *, weight: int, signed: bool = False, order: bool = False) -> Any:
        if signed and self._credentials is None:
            raise ExchangeOperationalError("this Binance exchange was built without API credentials")
        attempt, waited, resynced = 0, 0.0, False
        while True:
            self._budget.acquire(weight)
            client = self._client()
            try:
                result = fn(client)
            except Exception as exc:
                failure = classify(exc, order=order, now_ms=self._clock.now_ms())
                if failure is None:
                    raise
                self._budget.observe(response_headers(exc))
                if failure.kind is Kind.RESYNC and not resynced:
                    self._resync_time()
                    resynced = True
                    continue
                waited += self._back_off(failure, attempt, waited)
                attempt += 1
                continue
            self._budget.observe(response_headers(client))
            return result

    def _back_off(self, failure: Classified, attempt: int, waited: float) -> float:
        """Sleep before the next try of a temporary failure and return the wait; raise anything else."""
        if failure.kind is Kind.BAN:
            self._budget.pause(failure.retry_after_s or 120.0, failure.error.message)
            logger.error("Binance ban: pausing every call from this egress", extra={"error": failure.error.message})
            raise failure.error from None
        if failure.kind is not Kind.RETRY:
            raise failure.error from None
        delay = self._policy.delay(attempt, failure.retry_after_s)
        if self._policy.gives_up(attempt + 1, waited, delay):
            if failure.retry_after_s is not None:
                self._budget.pause(failure.retry_after_s, failure.error.message)
            raise failure.error from None
        logger.info("Binance temporary failure, backing off", extra={"error": failure.error.message, "delay_s": delay})
        self._sleep(delay)
        return delay

    def _resolve(self, request: OrderRequest, cause: ExchangeError) -> Order:
        # Binance may answer 'unknown order' (-2013) for a short while right after placing.
        lookup = partial(self.get_order_by_client_id, request.symbol, request.client_order_id)
        return resolve_order(self._policy, lookup, self._sleep, request, cause)

    # --- helpers -------------------------------------------------------------------------------------

    def _client(self) -> Client:
        if self._client_obj is None:
            from binance.client import Client  # lazy: see the module docstring

            creds = self._credentials
            client = Client(
                api_key=creds.api_key if creds else None,
                api_secret=creds.api_secret if creds else None,
                requests_params={"timeout": self._timeout_s},
                ping=False,
            )
            client.API_URL = self._endpoint.api_url
            if self._endpoint.sapi_url:
                client.MARGIN_API_URL = self._endpoint.sapi_url
            offset = self._time_offsets.get(self._endpoint.api_url)
            if offset is not None:
                client.timestamp_offset = offset
            self._client_obj = client
        return self._client_obj

    def _resync_time(self) -> None:
        server = self._call(lambda c: c.get_server_time(), weight=W_TIME)
        # python-binance stamps requests with time.time(), so the offset is against the wall clock.
        offset = int(server["serverTime"]) - int(time.time() * 1000)
        self._client().timestamp_offset = offset
        self._time_offsets.put(self._endpoint.api_url, offset)
        logger.warning("resynced Binance server-time offset", extra={"offset_ms": offset})

    def _server_now_ms(self) -> int:
        offset = self._client_obj.timestamp_offset if self._client_obj is not None else 0
        return self._clock.now_ms() + int(offset)

    def _avg_price(self, symbol: str) -> Decimal:
        data = self._call(lambda c: c.get_avg_price(symbol=symbol), weight=W_AVG_PRICE)
        return Decimal(str(data["price"]))

