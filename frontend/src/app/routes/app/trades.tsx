import { usePresentation } from '@/app/presentation';
import { PageHeader } from '@/components/layouts/app-layout';
import { useBots } from '@/features/bots/api/get-bots';
import { TradesBrowser } from '@/features/trades/components/trades-browser';

export default function TradesRoute() {
  const bots = useBots();
  const { precisions } = usePresentation();
  const items = bots.data ?? [];
  return (
    <>
      <PageHeader title="Trades">Every fill of every bot, paper and live.</PageHeader>
      <TradesBrowser
        bots={items.map((b) => ({ id: b.id, name: b.name }))}
        symbols={[...new Set(items.map((b) => b.symbol))]}
        precisions={precisions}
      />
    </>
  );
}
