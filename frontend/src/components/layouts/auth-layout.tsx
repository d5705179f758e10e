import type { ReactNode } from 'react';

/** What the product does, for someone arriving at the sign-in or sign-up page for the first time. */
function ProductPitch() {
  return (
    <section className="pitch" aria-label="About Tradebot">
      <p>
        <strong>Automated crypto trading bots for Binance spot.</strong> Pick a strategy, test it, then let it trade for you.
      </p>
      <ul>
        <li>Seven strategies: SMA and EMA crossovers, RSI, MACD, Bollinger bands, DCA with safety orders, and grids.</li>
        <li>Backtest on past candles, then run the bot on paper money before going live with your own API key.</li>
        <li>Stop-loss, take-profit and drawdown limits, with every trade, fee and profit in one place.</li>
      </ul>
    </section>
  );
}

export function AuthLayout({ title, children, pitch = false }: { title: string; children: ReactNode; pitch?: boolean }) {
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Tradebot
        </div>
        {pitch ? <ProductPitch /> : null}
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}
