import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useSessionSync } from '@/lib/auth';
import { createQueryClient } from '@/lib/react-query';

function SessionSync() {
  useSessionSync();
  return null;
}

export function AppProvider({ children, queryClient }: { children: ReactNode; queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  return (
    <QueryClientProvider client={client}>
      <SessionSync />
      {children}
    </QueryClientProvider>
  );
}
