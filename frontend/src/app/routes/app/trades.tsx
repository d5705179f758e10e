import { PageHeader } from '@/components/layouts/app-layout';
import { useBots } from '@/features/bots/api/get-bots';
import { TradesBrowser } from '@/features/trades/components/trades-browser';

export default function TradesRoute() {
  const bots = useBots();
  return (
    <>
      <PageHeader title="Trades">Every fill of every bot, paper and live.</PageHeader>
      <TradesBrowser bots={(bots.data ?? []).map((b) => ({ id: b.id, name: b.name }))} />
    </>
  );
}
