"""Market data sources behind `MarketData`: Binance public klines, the replay store, synthetic."""
