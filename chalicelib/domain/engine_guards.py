"""The engine's protections on entries: the max-drawdown kill switch, the cooldown after a stop-loss and the
stop-loss guard (freqtrade's), decided from the stop-loss fill times the engine state keeps."""

from __future__ import annotations

from chalicelib.domain.risk import RiskRules
from chalicelib.domain.strategies.base import EngineState


def entries_allowed(rules: RiskRules, st: EngineState, open_time: int, interval_ms: int) -> bool:
    """Protections: kill switch, cooldown after a stop-loss, stop-loss guard."""
    if st.halted:
        return False
    if st.stop_times and rules.cooldown_bars and open_time < st.stop_times[-1] + rules.cooldown_bars * interval_ms:
        return False
    guard = rules.stoploss_guard
    if guard is not None and st.stop_times:
        last = st.stop_times[-1]
        recent = [t for t in st.stop_times if t > last - guard.window_bars * interval_ms]
        if len(recent) >= guard.max_stops and open_time < last + guard.pause_bars * interval_ms:
            return False
    return True


def prune_stops(rules: RiskRules, st: EngineState, open_time: int, interval_ms: int) -> None:
    horizon = max(rules.cooldown_bars, 1)
    if rules.stoploss_guard is not None:
        horizon = max(horizon, rules.stoploss_guard.window_bars + rules.stoploss_guard.pause_bars)
    keep = open_time - horizon * interval_ms
    if st.stop_times and st.stop_times[0] < keep:
        st.stop_times = [t for t in st.stop_times[:-1] if t >= keep] + st.stop_times[-1:]


def drawdown_pct(st: EngineState, equity: float) -> float:
    return (st.peak_equity - equity) / st.peak_equity * 100
