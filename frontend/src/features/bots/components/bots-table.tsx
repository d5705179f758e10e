import { Link } from 'react-router';
import { ModeBadge, StatusBadge } from '@/components/ui/badge';
import { paths } from '@/config/paths';
import { formatSigned, pnlClass, toNumber } from '@/lib/format';
import type { Bot } from '../types';

export function botPnl(bot: Bot): number | null {
  const realised = toNumber(bot.state?.realised_pnl);
  const unrealised = toNumber(bot.state?.unrealised_pnl);
  if (realised === null && unrealised === null) return null;
  return (realised ?? 0) + (unrealised ?? 0);
}

export function BotsTable({ bots }: { bots: Bot[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
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
                <td>
                  <Link to={paths.bot(bot.id)}>{bot.name}</Link>
                </td>
                <td>
                  <StatusBadge status={bot.status} />
                </td>
                <td>
                  <ModeBadge mode={bot.mode} />
                </td>
                <td>
                  {bot.symbol} · {bot.interval}
                </td>
                <td>{bot.strategy}</td>
                <td className={`num ${pnlClass(pnl)}`}>{formatSigned(pnl)}</td>
                <td>
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
