import { Link } from 'react-router';
import { paths } from '@/config/paths';
import {
  DEFAULT_PRECISION,
  formatDateTime,
  formatPrice,
  formatQty,
  formatQuote,
  formatSignedQuote,
  pnlClass,
  toNumber,
  type Precision,
} from '@/lib/format';
import type { Trade } from '@/types/api';

type Props = {
  trades: Trade[];
  showBot?: boolean;
  /** Bot names by id; a bot not in it (deleted) shows its short id. */
  botNames?: Record<string, string>;
  /** Display precision by symbol (tick, lot step, quote); a symbol not in it gets the generic rule. */
  precisions?: Record<string, Precision>;
  caption?: string;
  /** A footer with the page's totals (volume, fees, realised PnL in the quote asset). */
  showTotals?: boolean;
};

export type TradeTotals = { count: number; bought: number; sold: number; fees: number; pnl: number; quote?: string };

/** Totals of the trades shown; fees paid in the base asset are valued at the fill price. */
export function tradeTotals(trades: Trade[], precisions: Record<string, Precision> = {}): TradeTotals {
  const totals: TradeTotals = { count: trades.length, bought: 0, sold: 0, fees: 0, pnl: 0 };
  for (const t of trades) {
    const p = precisions[t.symbol];
    totals.quote ??= p?.quote;
    const price = toNumber(t.price) ?? 0;
    const value = toNumber(t.quote_quantity) ?? price * (toNumber(t.quantity) ?? 0);
    if (t.side.toLowerCase() === 'buy') totals.bought += value;
    else totals.sold += value;
    const fee = toNumber(t.fee) ?? 0;
    totals.fees += p?.base && t.fee_asset === p.base ? fee * price : fee;
    totals.pnl += toNumber(t.realised_pnl) ?? 0;
  }
  return totals;
}

export function TradesTable({ trades, showBot = false, botNames = {}, precisions = {}, caption = 'Trades', showTotals = false }: Props) {
  const columns = 8 + (showBot ? 1 : 0);
  const totals = showTotals ? tradeTotals(trades, precisions) : null;
  const money = { ...DEFAULT_PRECISION, quote: totals?.quote };
  return (
    <div className="table-wrap">
      <table className="table table-cards">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {showBot ? <th scope="col">Bot</th> : null}
            <th scope="col">Symbol</th>
            <th scope="col">Side</th>
            <th scope="col" className="num">Price</th>
            <th scope="col" className="num">Quantity</th>
            <th scope="col" className="num">Fee</th>
            <th scope="col" className="num">Realised PnL</th>
            <th scope="col">Mode</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((t) => {
            const side = t.side.toLowerCase();
            const p = precisions[t.symbol] ?? DEFAULT_PRECISION;
            const feeIsBase = p.base !== undefined && t.fee_asset === p.base;
            return (
              <tr key={t.id}>
                <td data-label="Time">{formatDateTime(t.executed_at)}</td>
                {showBot ? (
                  <td data-label="Bot">
                    <Link to={paths.bot(t.bot_id)}>{botNames[t.bot_id] ?? t.bot_id.slice(0, 8)}</Link>
                  </td>
                ) : null}
                <td data-label="Symbol">{t.symbol}</td>
                <td data-label="Side" className={side === 'buy' ? 'pos' : 'neg'}>
                  {side.toUpperCase()}
                </td>
                <td data-label="Price" className="num">
                  {formatPrice(t.price, p)}
                </td>
                <td data-label="Quantity" className="num">
                  {formatQty(t.quantity, p)}
                </td>
                <td data-label="Fee" className="num">
                  {feeIsBase ? formatQty(t.fee, p) : formatQuote(t.fee, p, false)} {t.fee_asset ?? ''}
                </td>
                <td data-label="Realised PnL" className={`num ${pnlClass(t.realised_pnl)}`}>
                  {t.realised_pnl == null ? '—' : formatSignedQuote(t.realised_pnl, { ...p, quote: undefined })}
                </td>
                <td data-label="Mode">{t.mode ?? '—'}</td>
              </tr>
            );
          })}
        </tbody>
        {totals ? (
          <tfoot>
            <tr className="totals">
              <td colSpan={columns} data-label="Totals">
                {totals.count} trades · bought {formatQuote(totals.bought, money)} · sold {formatQuote(totals.sold, money)} · fees{' '}
                {formatQuote(totals.fees, money)} ·{' '}
                <span className={pnlClass(totals.pnl)}>realised {formatSignedQuote(totals.pnl, money)}</span>
              </td>
            </tr>
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}
