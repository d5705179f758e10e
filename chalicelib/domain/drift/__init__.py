"""Live-versus-backtest drift (docs/drift.md): replay a bot's configuration over the candles its ticks saw,
match the replay's fills to the bot's trades by the tick and leg that caused them, and attribute the gap in
PnL to slippage, fees, quantity, timing, rejections, config changes and what stays unexplained."""
