import { PageHeader } from '@/components/layouts/app-layout';
import { AddApiKeyForm } from '@/features/api-keys/components/add-api-key-form';
import { ApiKeysList } from '@/features/api-keys/components/api-keys-list';
import { KeyGuide } from '@/features/api-keys/components/key-guide';

export default function ApiKeysRoute() {
  return (
    <>
      <PageHeader title="Exchange API keys">Binance spot keys for live bots. Secrets are encrypted and never shown again.</PageHeader>
      <KeyGuide />
      <div className="two-col">
        <section className="card">
          <h2>Add a key</h2>
          <AddApiKeyForm />
        </section>
        <section className="card">
          <h2>Your keys</h2>
          <ApiKeysList />
        </section>
      </div>
    </>
  );
}
