import { useEffect, useMemo, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { usePresentation } from '@/app/presentation';
import { CandleChart } from '@/components/charts/candle-chart';
import { ChartLegend } from '@/components/charts/chart-legend';
import { PageHeader } from '@/components/layouts/app-layout';
import { EmptyState, ErrorState, LoadingState, QueryState } from '@/components/ui/states';
import { TradesTable } from '@/components/trades-table';
import { paths } from '@/config/paths';
import { useBot } from '@/features/bots/api/get-bot';
import { useBotChart } from '@/features/bots/api/get-bot-chart';
import { ordersOf, useBotOrders } from '@/features/bots/api/get-bot-orders';
import { useBotTrades } from '@/features/bots/api/get-bot-trades';
import { BotControls } from '@/features/bots/components/bot-controls';
import { BotOrders, OrderLegend } from '@/features/bots/components/bot-orders';
import { BotStatePanel } from '@/features/bots/components/bot-state-panel';
import { DriftPanel, useDriftReport } from '@/features/bots/components/drift-panel';
import { BotParams, DcaLadder } from '@/features/bots/components/strategy-at-work';
import { orderLevels, withOrderLevels } from '@/features/bots/lib/bot-orders';
import { driftMarkers, withDriftMarkers } from '@/features/bots/lib/drift';
import { chartLevels, chartLines } from '@/features/bots/lib/strategy-overlay';
import { tradeMarkers } from '@/features/bots/lib/trade-markers';
import type { Bot } from '@/features/bots/types';
import { useCandles } from '@/features/market/api/get-candles';
import { SignalLog } from '@/features/signals/components/signal-log';
import { SignalWebhook } from '@/features/signals/components/signal-webhook';
import { useStrategies } from '@/features/strategies/api/get-strategies';
import { candlesToBars } from '@/lib/chart-data';
import { DEFAULT_PRECISION, toNumber } from '@/lib/format';

export default function BotRoute() {
  const { botId = '' } = useParams();
  const bot = useBot(botId);
  return (
    <QueryState query={bot} loadingLabel="Loading bot…">
      {(b) => <BotPage bot={b} />}
    </QueryState>
  );
}

function BotPage({ bot }: { bot: Bot }) {
  const navigate = useNavigate();
  const trades = useBotTrades(bot.id, bot.status === 'running');
  const candles = useCandles({ symbol: bot.symbol, interval: bot.interval, limit: 300 });
  const bars = useMemo(() => candlesToBars(candles.data ?? []), [candles.data]);
  const drift = useDriftReport(bot);
  const tradeMarks = useMemo(() => tradeMarkers(trades.data?.items ?? [], bot.interval), [trades.data, bot.interval]);
  const driftMarks = useMemo(() => driftMarkers(drift.report?.unmatched, bot.interval), [drift.report, bot.interval]);
  const markers = useMemo(() => withDriftMarkers(tradeMarks, driftMarks), [tradeMarks, driftMarks]);
  const { precisions, strategyNames } = usePresentation();
  const strategies = useStrategies();
  const precision = precisions[bot.symbol] ?? DEFAULT_PRECISION;
  const overlay = useBotChart(bot.id, 300, bot.status === 'running');
  const lines = useMemo(() => chartLines(overlay.data), [overlay.data]);
  // The open orders draw over the strategy's planned levels, refreshed as the trades are.
  const openOrders = useBotOrders(bot.id, 'open', bot.status === 'running');
  const open = useMemo(() => ordersOf(openOrders.data?.pages), [openOrders.data]);
  const orderLines = useMemo(() => orderLevels(open), [open]);
  const levels = useMemo(
    () => withOrderLevels(chartLevels(overlay.data, precision), orderLines, precision),
    [overlay.data, orderLines, precision],
  );
  const strategyName = strategyNames[bot.strategy] ?? bot.strategy;
  useRefreshOnNewTrade(bot, trades.data?.items[0]?.id);
  return (
    <>
      <PageHeader
        title={bot.name}
        actions={
          <>
            <Link className="btn" to={paths.editBot(bot.id)}>
              Edit
            </Link>
            <BotControls bot={bot} onDeleted={() => navigate(paths.bots())} openOrders={openOrders.isSuccess ? open.length : undefined} />
          </>
        }
      />
      <BotStatePanel bot={bot} precision={precision} strategyName={strategyName} />
      <BotParams
        bot={bot}
        strategyName={strategyName}
        schema={strategies.data?.find((st) => st.id === bot.strategy)?.params_schema}
        precision={precision}
      />
      {bot.strategy === 'signal' ? <SignalWebhook botId={bot.id} symbol={bot.symbol} running={bot.status === 'running'} /> : null}
      <section className="card">
        <h2>
          {bot.symbol} · {bot.interval}
        </h2>
        {candles.isPending ? (
          <LoadingState label="Loading candles…" />
        ) : candles.isError ? (
          <ErrorState error={candles.error} onRetry={() => void candles.refetch()} />
        ) : bars.length === 0 ? (
          <EmptyState title="No candles for this market yet" />
        ) : (
          <CandleChart
            bars={bars}
            markers={markers}
            entryPrice={bot.state?.in_position ? toNumber(bot.state.entry_price) : null}
            lines={lines}
            levels={levels}
            pricePrecision={precision.price}
            height={lines.some((l) => l.pane === 'oscillator') ? 480 : 360}
            label={`${bot.symbol} candles with ${tradeMarks.length} trade markers${describeOverlay(lines.length, overlay.data?.levels.length ?? 0, orderLines.length, driftMarks.length)}`}
          />
        )}
        <ChartLegend lines={lines} levels={overlay.data?.levels.length ?? 0} />
        <OrderLegend orders={open} />
      </section>
      {bot.strategy === 'signal' ? <SignalLog botId={bot.id} running={bot.status === 'running'} /> : null}
      {overlay.data ? <DcaLadder chart={overlay.data} precision={precision} /> : null}
      <BotOrders botId={bot.id} botName={bot.name} running={bot.status === 'running'} precision={precision} />
      <section className="card">
        <h2>Trades</h2>
        <QueryState
          query={trades}
          isEmpty={(t) => t.items.length === 0}
          empty={<EmptyState title="No trades yet">{bot.status === 'running' ? 'The bot trades when its strategy signals.' : 'Start the bot to trade.'}</EmptyState>}
        >
          {(t) => <TradesTable trades={t.items} caption={`Trades of ${bot.name}`} precisions={precisions} showTotals />}
        </QueryState>
      </section>
      {bot.strategy === 'signal' ? null : <DriftPanel bot={bot} drift={drift} precision={precision} />}
    </>
  );
}

function describeOverlay(lines: number, levels: number, orders = 0, unmatched = 0): string {
  const parts = [
    lines ? `${lines} indicator lines` : '',
    levels ? `${levels} grid levels` : '',
    orders ? `${orders} open order lines` : '',
    unmatched ? `${unmatched} unmatched drift markers` : '',
  ].filter(Boolean);
  return parts.length ? `, ${[parts.slice(0, -1).join(', '), parts.at(-1)].filter(Boolean).join(' and ')}` : '';
}

/** The bot, its trades and the candles poll separately: a new trade means the position and the chart changed
 * too, so refresh both at once instead of showing a trade next to a stale "Flat" position. */
function useRefreshOnNewTrade(bot: Bot, latestTradeId: string | undefined) {
  const queryClient = useQueryClient();
  const seen = useRef(latestTradeId);
  useEffect(() => {
    if (latestTradeId === seen.current) return;
    seen.current = latestTradeId;
    void queryClient.invalidateQueries({ queryKey: ['bots', bot.id], exact: true });
    void queryClient.invalidateQueries({ queryKey: ['bots', bot.id, 'orders'] });
    void queryClient.invalidateQueries({ queryKey: ['market', 'candles', { symbol: bot.symbol, interval: bot.interval, limit: 300 }] });
  }, [latestTradeId, bot.id, bot.symbol, bot.interval, queryClient]);
}
