"""Request and response models of /backtests (see docs/backtesting.md, "Backtests API")."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from chalicelib.api.schemas.bots import _STRATEGY, Interval, RiskIn
from chalicelib.api.validation import ApiModel, StrictModel

MAX_BODY = 6 * 1024 * 1024 + 64 * 1024  # a ~6 MB kline CSV plus the rest of the request
MAX_CSV_CHARS = 6 * 1024 * 1024
MAX_SIGNALS = 1_000  # chalicelib/domain/signal_list.py
MAX_SIGNALS_CSV_CHARS = 100 * 1024

Status = Literal["queued", "running", "done", "failed"]


class BacktestSignalIn(StrictModel):
    time: str | int = Field(description="When the signal arrived: ISO 8601 with a time zone, or epoch s/ms")
    action: str = Field(max_length=20, description="buy | sell | close (or long, short, exit, flat)")
    amount: str | float | None = Field(default=None, description="A buy's quote amount instead of the bot's size")


class BacktestIn(StrictModel):
    strategy: str = Field(min_length=1, max_length=40, json_schema_extra=_STRATEGY)
    params: dict[str, Any] = Field(default_factory=dict)
    risk: RiskIn = Field(default_factory=RiskIn)
    symbol: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{2,20}$", description="Required with start/end")
    interval: Interval | None = Field(default=None, description="Required with start/end; inferred from a CSV")
    start: str | None = Field(default=None, max_length=40, description="ISO-8601 with a time zone, or Unix ms")
    end: str | None = Field(default=None, max_length=40, description="ISO-8601 with a time zone, or Unix ms")
    csv: str | None = Field(
        default=None, min_length=1, max_length=MAX_CSV_CHARS, description="A Binance kline CSV (instead of start/end)"
    )
    signals: (
        Annotated[list[BacktestSignalIn], Field(max_length=MAX_SIGNALS)]
        | Annotated[str, Field(min_length=1, max_length=MAX_SIGNALS_CSV_CHARS)]
        | None
    ) = Field(
        default=None,
        description=f"Strategy `signal` only: at most {MAX_SIGNALS} timestamped signals, as a list or as CSV text "
        "`time,action[,amount]`; each is applied at the open of the bar after it arrived (docs/signals.md)",
    )
    fee: float = Field(default=0.001, ge=0, lt=0.5, description="Fee per side as a fraction (0.001 = 0.1%)")
    slippage: float = Field(default=0.0, ge=0, lt=0.5, description="Slippage as a fraction of the fill price")
    cash: float = Field(default=10_000.0, gt=0, le=1e15, description="Starting quote balance")


class BacktestTradeOut(ApiModel):
    status: Literal["open", "closed"]
    group: str
    entry_time: str
    exit_time: str | None
    entry_price: float
    exit_price: float
    quantity: float
    fee: float
    pnl: float
    return_pct: float
    exit_reason: str | None
    note: str | None = None


class BacktestMetricsOut(ApiModel):
    initial_cash: float
    final_equity: float
    total_return_pct: float
    cagr_pct: float | None
    max_drawdown_pct: float
    sharpe: float | None
    sortino: float | None
    win_rate_pct: float
    profit_factor: float | None
    exposure_pct: float
    fees_paid: float
    num_trades: int
    open_trades: int
    # Added with issue #20; a result stored before them reads back without them (None/defaults).
    period_days: float | None = None
    period_return_pct: float | None = None
    annualised: bool | None = Field(default=None, description="cagr/sharpe/sortino are null below the threshold")
    min_annualised_days: int | None = None
    annualisation: str | None = Field(default=None, description="sharpe/sortino on daily returns x sqrt(365)")
    avg_win: float | None = None
    avg_loss: float | None = None
    expectancy: float | None = Field(default=None, description="Mean pnl per closed trade")
    final_equity_includes_open_position: bool | None = None


class EquityPointOut(ApiModel):
    t: str
    equity: float


class BenchmarkOut(ApiModel):
    strategy: Literal["buy_and_hold"]
    entry_price: float
    quantity: float
    final_equity: float
    return_pct: float
    max_drawdown_pct: float
    equity: list[EquityPointOut] = Field(description="On the strategy's equity time axis")


class OpenPositionOut(ApiModel):
    qty: float
    entry_price: float
    mark_price: float = Field(description="The last close, which final_equity and the drawdown include")
    market_value: float
    unrealised_pnl: float


class ChartCandleOut(ApiModel):
    t: str = Field(description="Open time of the first bar merged into this candle")
    open: float
    high: float
    low: float
    close: float


class BacktestSignalOut(ApiModel):
    time: str
    action: str
    amount: float | None
    status: Literal["executed", "refused", "not_applied"]
    reason: str | None = Field(description="Why it was refused (the live webhook's reasons) or not applied")
    applied_at: str | None = Field(description="The open of the bar it was applied at")


class PlotPointOut(ApiModel):
    time: int = Field(description="Open time of the chart candle (Unix ms)")
    value: float


class PlotOut(ApiModel):
    name: str
    pane: str = Field(description="price (over the candles) or oscillator (a pane of its own)")
    points: list[PlotPointOut]


class BacktestResultOut(ApiModel):
    trades: list[BacktestTradeOut]
    trades_total: int
    metrics: BacktestMetricsOut
    equity: list[EquityPointOut]
    benchmark: BenchmarkOut | None = None
    open_position: OpenPositionOut | None = None
    candles: list[ChartCandleOut] = Field(default=[], description="The run's bars, merged to at most 1,000")
    signals: list[BacktestSignalOut] | None = Field(default=None, description="Each given signal's outcome")
    plots: list[PlotOut] = Field(
        default=[], description="The strategy's indicator series on those candles, as the bot page draws them"
    )


class BacktestSummaryResultOut(ApiModel):
    metrics: BacktestMetricsOut


class _BacktestBase(ApiModel):
    id: str
    status: Status
    progress: int = Field(description="0-100")
    error: str | None
    strategy: str
    symbol: str
    interval: str
    source: Literal["range", "csv"]
    bars: int
    created_at: str
    updated_at: str
    metrics: BacktestMetricsOut | None
    # What the run was given, also in the list so runs with different parameters can be told apart.
    params: dict[str, Any]
    risk: dict[str, Any]
    start: str | None
    end: str | None
    fee: float
    slippage: float
    cash: float


class BacktestOut(_BacktestBase):
    result: BacktestResultOut | None


class BacktestListItemOut(_BacktestBase):
    result: BacktestSummaryResultOut | None = Field(description="Only the metrics, when done")


class BacktestListOut(ApiModel):
    items: list[BacktestListItemOut]
    next_cursor: str | None


class BacktestQuery(StrictModel):
    cursor: str | None = Field(default=None, max_length=2048)
    limit: int = Field(default=50, ge=1, le=200)
