import { Link } from 'react-router';
import { EquityChart } from '@/components/charts/equity-chart';
import { StatusBadge } from '@/components/ui/badge';
import { EmptyState } from '@/components/ui/states';
import { TradesTable } from '@/components/trades-table';
import { BOT_STATUSES } from '@/config/constants';
import { paths } from '@/config/paths';
import { equityToLine } from '@/lib/chart-data';
import { DEFAULT_PRECISION, formatMoney, formatPrice, formatQty, formatSigned, pnlClass, type Precision } from '@/lib/format';
import type { Dashboard, ModeAmount } from '../types';

function Pnl({ value }: { value: ModeAmount }) {
  if (value !== null && typeof value === 'object') {
    return (
      <>
        <span className={pnlClass(value.paper)}>{formatSigned(value.paper)}</span> <small className="muted">paper</small>
        <br />
        <span className={pnlClass(value.live)}>{formatSigned(value.live)}</span> <small className="muted">live</small>
      </>
    );
  }
  return <span className={pnlClass(value)}>{formatSigned(value)}</span>;
}

type Props = { data: Dashboard; botNames?: Record<string, string>; precisions?: Record<string, Precision> };

export function DashboardView({ data, botNames = {}, precisions = {} }: Props) {
  const curve = equityToLine(data.equity_curve ?? []);
  const statuses = [...new Set([...BOT_STATUSES, ...Object.keys(data.bots_by_status ?? {})])];
  return (
    <div className="dashboard">
      <section className="kpis" aria-label="Equity and PnL">
        <div className="kpi">
          <span>Paper equity</span>
          <strong>{formatMoney(data.equity_by_mode?.paper)}</strong>
        </div>
        <div className="kpi">
          <span>Live equity</span>
          <strong>{formatMoney(data.equity_by_mode?.live)}</strong>
        </div>
        <div className="kpi">
          <span>PnL today</span>
          <strong>
            <Pnl value={data.pnl?.today ?? null} />
          </strong>
        </div>
        <div className="kpi">
          <span>PnL 7 days</span>
          <strong>
            <Pnl value={data.pnl?.d7 ?? null} />
          </strong>
        </div>
        <div className="kpi">
          <span>PnL all time</span>
          <strong>
            <Pnl value={data.pnl?.all_time ?? null} />
          </strong>
        </div>
      </section>

      <section className="card span-2">
        <h2>Equity</h2>
        {/* A new account's curve is all zeros: say so rather than draw a flat line at 0. */}
        {curve.some((p) => p.value !== 0) ? (
          <EquityChart points={curve} label="Account equity curve" />
        ) : (
          <EmptyState title="No equity history yet">Start a paper bot to see your equity over time.</EmptyState>
        )}
      </section>

      <section className="card">
        <h2>Bots</h2>
        <ul className="status-counts">
          {statuses.map((s) => (
            <li key={s}>
              <StatusBadge status={s} /> <strong>{data.bots_by_status?.[s] ?? 0}</strong>
            </li>
          ))}
        </ul>
        <Link to={paths.bots()}>All bots →</Link>
      </section>

      <section className="card">
        <h2>Open positions</h2>
        {data.open_positions?.length ? (
          <ul className="list">
            {data.open_positions.map((p) => (
              <li key={p.bot_id} className="list-row">
                <div>
                  <Link to={paths.bot(p.bot_id)}>{p.bot_name ?? p.bot_id.slice(0, 8)}</Link>{' '}
                  <span className="muted">
                    {formatQty(p.quantity, precisions[p.symbol] ?? DEFAULT_PRECISION)} {p.symbol} @{' '}
                    {formatPrice(p.entry_price, precisions[p.symbol] ?? DEFAULT_PRECISION)}
                  </span>
                </div>
                <span className={pnlClass(p.unrealised_pnl)}>{formatSigned(p.unrealised_pnl)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <EmptyState title="No open positions" />
        )}
      </section>

      <section className="card span-2">
        <h2>Latest trades</h2>
        {data.latest_trades?.length ? (
          <TradesTable
            trades={data.latest_trades}
            showBot
            botNames={{ ...Object.fromEntries((data.open_positions ?? []).flatMap((p) => (p.bot_name ? [[p.bot_id, p.bot_name]] : []))), ...botNames }}
            caption="Latest trades"
            precisions={precisions}
          />
        ) : (
          <EmptyState title="No trades yet">Start a paper bot to see its trades here.</EmptyState>
        )}
      </section>
    </div>
  );
}
