import { Link } from 'react-router';
import { ModeBadge, StatusBadge } from '@/components/ui/badge';
import { paths } from '@/config/paths';
import { DEFAULT_PRECISION, formatSignedQuote, pnlClass, toNumber, type Precision } from '@/lib/format';
import type { Bot } from '../types';

export function botPnl(bot: Bot): number | null {
  const realised = toNumber(bot.state?.realised_pnl);
  const unrealised = toNumber(bot.state?.unrealised_pnl);
  if (realised === null && unrealised === null) return null;
  return (realised ?? 0) + (unrealised ?? 0);
}

type Props = {
  bots: Bot[];
  /** Human strategy names by id ("SMA crossover"); an id not in it is shown as is. */
  strategyNames?: Record<string, string>;
  precisions?: Record<string, Precision>;
};

export function BotsTable({ bots, strategyNames = {}, precisions = {} }: Props) {
  return (
    <div className="table-wrap">
      <table className="table table-cards">
        <caption className="sr-only">Your bots</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Mode</th>
            <th scope="col">Symbol</th>
            <th scope="col">Strategy</th>
            <th scope="col" className="num">PnL</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {bots.map((bot) => {
            const pnl = botPnl(bot);
            return (
              <tr key={bot.id}>
                <td data-label="Name">
                  <Link to={paths.bot(bot.id)}>{bot.name}</Link>
                </td>
                <td data-label="Status">
                  <StatusBadge status={bot.status} />
                </td>
                <td data-label="Mode">
                  <ModeBadge mode={bot.mode} />
                </td>
                <td data-label="Symbol">
                  {bot.symbol} · {bot.interval}
                </td>
                <td data-label="Strategy">{strategyNames[bot.strategy] ?? bot.strategy}</td>
                <td data-label="PnL" className={`num ${pnlClass(pnl)}`}>
                  {formatSignedQuote(pnl, precisions[bot.symbol] ?? DEFAULT_PRECISION)}
                </td>
                <td data-label="">
                  <Link to={paths.editBot(bot.id)} aria-label={`Edit ${bot.name}`}>
                    Edit
                  </Link>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
