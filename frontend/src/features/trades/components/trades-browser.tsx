import { useMemo, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { FormError } from '@/components/ui/alert';
import { EmptyState, QueryState } from '@/components/ui/states';
import { TradesTable } from '@/components/trades-table';
import type { Precision } from '@/lib/format';
import { useExportTrades } from '../api/export-trades';
import { useTrades, type TradeFilters } from '../api/get-trades';

export type BotOption = { id: string; name: string };

const dayStartIso = (d: string) => (d ? new Date(`${d}T00:00:00`).toISOString() : undefined);
const dayEndIso = (d: string) => (d ? new Date(`${d}T23:59:59.999`).toISOString() : undefined);

const FILTER_KEYS = ['bot_id', 'symbol', 'side', 'start', 'end'] as const;
type Draft = Record<(typeof FILTER_KEYS)[number], string>;

/** The URL keeps the form's values (days as YYYY-MM-DD) so a filtered view can be bookmarked and shared. */
function draftFrom(params: URLSearchParams): Draft {
  return Object.fromEntries(FILTER_KEYS.map((k) => [k, params.get(k) ?? ''])) as Draft;
}

function filtersFrom(d: Draft): TradeFilters {
  return {
    bot_id: d.bot_id || undefined,
    symbol: d.symbol.trim().toUpperCase() || undefined,
    side: d.side || undefined,
    start: dayStartIso(d.start),
    end: dayEndIso(d.end),
  };
}

type Props = {
  bots: BotOption[];
  /** The symbols the user's bots trade: the symbol filter offers these. */
  symbols?: string[];
  precisions?: Record<string, Precision>;
};

/** Filters (kept in the URL), cursor pagination (a stack of cursors for "previous"), totals and CSV export. */
export function TradesBrowser({ bots, symbols = [], precisions = {} }: Props) {
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState<Draft>(() => draftFrom(params));
  const filters = useMemo(() => filtersFrom(draftFrom(params)), [params]);
  const [cursors, setCursors] = useState<string[]>([]);
  const symbolChoices = [...new Set([...symbols, ...(draft.symbol ? [draft.symbol] : [])])].sort();
  const cursor = cursors.at(-1);
  const trades = useTrades(filters, cursor);
  const exportCsv = useExportTrades();
  const botNames = Object.fromEntries(bots.map((b) => [b.id, b.name]));

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setParams(Object.fromEntries(FILTER_KEYS.filter((k) => draft[k]).map((k) => [k, draft[k]])));
    setCursors([]);
  };
  const set = (k: keyof typeof draft) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));

  return (
    <>
      <form className="filters" onSubmit={apply} aria-label="Trade filters">
        <label>
          Bot
          <select value={draft.bot_id} onChange={set('bot_id')}>
            <option value="">All bots</option>
            {bots.map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Symbol
          <select value={draft.symbol} onChange={set('symbol')}>
            <option value="">All symbols</option>
            {symbolChoices.map((sym) => (
              <option key={sym} value={sym}>
                {sym}
              </option>
            ))}
          </select>
        </label>
        <label>
          Side
          <select value={draft.side} onChange={set('side')}>
            <option value="">Both</option>
            <option value="BUY">Buy</option>
            <option value="SELL">Sell</option>
          </select>
        </label>
        <label>
          From
          <input type="date" value={draft.start} onChange={set('start')} />
        </label>
        <label>
          To
          <input type="date" value={draft.end} onChange={set('end')} />
        </label>
        <div className="btn-row">
          <button type="submit" className="btn btn-primary">
            Apply
          </button>
          <button type="button" className="btn" disabled={exportCsv.isPending} onClick={() => exportCsv.mutate(filters)}>
            {exportCsv.isPending ? 'Exporting…' : 'Export CSV'}
          </button>
        </div>
      </form>
      <FormError error={exportCsv.error} />
      <QueryState
        query={trades}
        isEmpty={(page) => page.items.length === 0 && cursors.length === 0}
        empty={<EmptyState title="No trades match">Trades appear here as your bots fill orders.</EmptyState>}
      >
        {(page) => (
          <>
            <TradesTable trades={page.items} showBot botNames={botNames} precisions={precisions} showTotals />
            <nav className="pager" aria-label="Pagination">
              <button type="button" className="btn" disabled={cursors.length === 0} onClick={() => setCursors((c) => c.slice(0, -1))}>
                Previous
              </button>
              <span className="muted">Page {cursors.length + 1}</span>
              <button
                type="button"
                className="btn"
                disabled={!page.next_cursor || trades.isPlaceholderData}
                onClick={() => page.next_cursor && setCursors((c) => [...c, page.next_cursor!])}
              >
                Next
              </button>
            </nav>
          </>
        )}
      </QueryState>
    </>
  );
}
