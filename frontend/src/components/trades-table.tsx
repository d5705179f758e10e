import { Link } from 'react-router';
import { paths } from '@/config/paths';
import { formatDateTime, formatDecimal, formatSigned, pnlClass } from '@/lib/format';
import type { Trade } from '@/types/api';

type Props = {
  trades: Trade[];
  showBot?: boolean;
  /** Bot names by id; a bot not in it (deleted) shows its short id. */
  botNames?: Record<string, string>;
  caption?: string;
};

export function TradesTable({ trades, showBot = false, botNames = {}, caption = 'Trades' }: Props) {
  return (
    <div className="table-wrap">
      <table className="table">
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
            return (
              <tr key={t.id}>
                <td>{formatDateTime(t.executed_at)}</td>
                {showBot ? (
                  <td>
                    <Link to={paths.bot(t.bot_id)}>{botNames[t.bot_id] ?? t.bot_id.slice(0, 8)}</Link>
                  </td>
                ) : null}
                <td>{t.symbol}</td>
                <td className={side === 'buy' ? 'pos' : 'neg'}>{side.toUpperCase()}</td>
                <td className="num">{formatDecimal(t.price)}</td>
                <td className="num">{formatDecimal(t.quantity)}</td>
                <td className="num">
                  {formatDecimal(t.fee)} {t.fee_asset ?? ''}
                </td>
                <td className={`num ${pnlClass(t.realised_pnl)}`}>{t.realised_pnl == null ? '—' : formatSigned(t.realised_pnl)}</td>
                <td>{t.mode ?? '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
