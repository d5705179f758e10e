import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { createMemoryRouter, RouterProvider, useLocation, type RouteObject } from 'react-router';
import { vi } from 'vitest';
import { api } from '@/lib/api-client';
import { createFakeFetch, type Route } from './fake-fetch';

export function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

/** Serve `routes` through a fake fetch for the real API client. */
export function fakeServer(routes: Record<string, Route>) {
  const fake = createFakeFetch(routes);
  vi.stubGlobal('fetch', vi.fn(fake.fetch));
  return fake;
}

export function signIn() {
  api.setSession({ access_token: 'test-access-token' });
}

/** Render `ui` at `path` inside the app's providers; other paths render a location probe. */
export function renderWithProviders(ui: ReactElement, { path = '/', url = path, extraRoutes = [] }: { path?: string; url?: string; extraRoutes?: RouteObject[] } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } } });
  const router = createMemoryRouter([{ path, element: ui }, ...extraRoutes, { path: '*', element: <LocationProbe /> }], { initialEntries: [url] });
  const user = userEvent.setup();
  const view = render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...view, user, router, queryClient };
}
