import { formatDateTime, formatFixed, formatPrice, formatQty, formatSignedQuote, pnlClass, toNumber, type Decimalish, type Precision } from '@/lib/format';
import type { DriftPair, DriftUnmatched } from '../api/get-bot-drift';
import { reasonLabel, sideLabel } from '../lib/drift';

const signed = (text: string, n: number | null) => (n !== null && n > 0 ? `+${text}` : text);

/** A difference that costs the bot is red, one in its favour green; zero is plain. */
const costClass = (value: Decimalish, worseWhenPositive: boolean) => {
  const n = toNumber(value);
  if (!n) return 'num';
  return `num diff ${n > 0 === worseWhenPositive ? 'neg' : 'pos'}`;
};

function seconds(ms: number): string {
  return `${ms > 0 ? '+' : ''}${(ms / 1000).toLocaleString('en-US', { maximumFractionDigits: 1 })} s`;
}

// A resting order's fill: the replay fills it on the bar that reached its price, the live bot books it at the
// first tick after that bar closed, so the time column shows about one bar and is not a delay.
const BAR_PAIR = 'A resting order filled on the same bar in both; the live tick booked it when the bar closed.';

/** Each live trade next to the backtest fill it matched, the differences highlighted. */
export function DriftPairs({ pairs, precision }: { pairs: DriftPair[]; precision: Precision }) {
  // Fee differences are fractions of a cent: two more decimals than the quote's money precision.
  const fee: Precision = { ...precision, money: precision.money + 2 };
  if (pairs.length === 0) return <p className="muted">No live trade matched a backtest fill in this period.</p>;
  return (
    // Focusable: on a narrow screen the wrap scrolls sideways, and a keyboard must be able to scroll it too.
    <div className="table-wrap" tabIndex={0} role="group" aria-label="Trade pairs, scrollable">
      <table className="table table-cards drift-pairs">
        <caption>Trade pairs ({pairs.length})</caption>
        <thead>
          <tr>
            <th scope="col">Tick</th>
            <th scope="col">Side</th>
            <th scope="col" className="num">Live price</th>
            <th scope="col" className="num">Backtest price</th>
            <th scope="col" className="num">Slippage (bps)</th>
            <th scope="col" className="num">Fee diff</th>
            <th scope="col" className="num">Quantity diff</th>
            <th scope="col" className="num">Time</th>
          </tr>
        </thead>
        <tbody>
          {pairs.map((p) => {
            const qty = toNumber(p.quantity_diff);
            return (
              <tr key={p.live.id}>
                <td data-label="Tick">{formatDateTime(p.backtest.tick_at ?? p.backtest.executed_at)}</td>
                <td data-label="Side">
                  {p.live.side}
                  {p.kind === 'late' ? <> <span className="badge badge-paused">late</span></> : null}
                  {p.kind === 'bar' ? (
                    <>
                      {' '}
                      <span className="badge" title={BAR_PAIR}>resting</span>
                    </>
                  ) : null}
                </td>
                <td data-label="Live price" className="num">{formatPrice(p.live.price, precision)}</td>
                <td data-label="Backtest price" className="num">{formatPrice(p.backtest.price, precision)}</td>
                <td data-label="Slippage (bps)" className={costClass(p.slippage_bps, true)}>
                  {signed(formatFixed(p.slippage_bps, 2), toNumber(p.slippage_bps))}
                </td>
                <td data-label="Fee diff" className={costClass(p.fee_diff, true)}>
                  {formatSignedQuote(p.fee_diff, fee)}
                </td>
                <td data-label="Quantity diff" className={qty ? 'num diff' : 'num'}>
                  {signed(formatQty(p.quantity_diff, precision), qty)}
                </td>
                <td data-label="Time" className={p.kind === 'late' ? 'num diff' : 'num'}>
                  {seconds(p.time_ms)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Fills only one side made, with the reason the platform found (also marked on the candle chart). */
export function DriftUnmatchedTable({ unmatched, precision }: { unmatched: DriftUnmatched[]; precision: Precision }) {
  if (unmatched.length === 0) return <p className="muted">Every fill has its counterpart on the other side.</p>;
  return (
    <div className="table-wrap" tabIndex={0} role="group" aria-label="Unmatched fills, scrollable">
      <table className="table table-cards drift-unmatched">
        <caption>Unmatched fills ({unmatched.length})</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Side</th>
            <th scope="col">Fill</th>
            <th scope="col">Reason</th>
            <th scope="col" className="num">Effect on the gap</th>
          </tr>
        </thead>
        <tbody>
          {unmatched.map((u) => (
            <tr key={`${u.side}-${u.fill.id}`}>
              <td data-label="Time">{formatDateTime(u.fill.executed_at)}</td>
              <td data-label="Side">{sideLabel(u.side)}</td>
              <td data-label="Fill">
                {u.fill.side} {formatQty(u.fill.quantity, precision)} @ {formatPrice(u.fill.price, precision)}
              </td>
              <td data-label="Reason" className="wrap">
                <strong>{reasonLabel(u.reason)}</strong>
                {u.detail ? <div className="muted">{u.detail}</div> : null}
              </td>
              <td data-label="Effect on the gap" className={`num ${pnlClass(u.amount)}`}>
                {formatSignedQuote(u.amount, precision)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
