import { Link } from 'react-router';
import { usePresentation } from '@/app/presentation';
import { PageHeader } from '@/components/layouts/app-layout';
import { EmptyState, QueryState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { useBots } from '@/features/bots/api/get-bots';
import { BotsTable } from '@/features/bots/components/bots-table';

export default function BotsRoute() {
  const bots = useBots();
  const { precisions, strategyNames } = usePresentation();
  return (
    <>
      <PageHeader
        title="Bots"
        actions={
          <Link className="btn btn-primary" to={paths.newBot()}>
            New bot
          </Link>
        }
      />
      <QueryState
        query={bots}
        isEmpty={(b) => b.length === 0}
        empty={
          <EmptyState title="No bots yet">
            <Link to={paths.newBot()}>Create your first bot</Link> — start with paper mode.
          </EmptyState>
        }
      >
        {(items) => <BotsTable bots={items} strategyNames={strategyNames} precisions={precisions} />}
      </QueryState>
    </>
  );
}
