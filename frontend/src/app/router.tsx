import { createBrowserRouter, type RouteObject } from 'react-router';
import { RouterProvider } from 'react-router';
import { useState } from 'react';
import { ProtectedRoute } from './protected-route';
import { RouteError } from './route-error';
import { LoadingState } from '@/components/ui/states';

type RouteModule = { default: React.ComponentType };

// Every screen is its own chunk; only the shell is in the initial bundle.
const lazy = (load: () => Promise<RouteModule>) => async () => ({ Component: (await load()).default });

export const routes: RouteObject[] = [
  { path: '/login', lazy: lazy(() => import('./routes/auth/login')), errorElement: <RouteError />, hydrateFallbackElement: <RouteFallback /> },
  { path: '/register', lazy: lazy(() => import('./routes/auth/register')), errorElement: <RouteError />, hydrateFallbackElement: <RouteFallback /> },
  { path: '/check-inbox', lazy: lazy(() => import('./routes/auth/check-inbox')), errorElement: <RouteError />, hydrateFallbackElement: <RouteFallback /> },
  { path: '/forgot-password', lazy: lazy(() => import('./routes/auth/forgot-password')), errorElement: <RouteError />, hydrateFallbackElement: <RouteFallback /> },
  { path: '/verify', lazy: lazy(() => import('./routes/auth/verify')), errorElement: <RouteError />, hydrateFallbackElement: <RouteFallback /> },
  { path: '/reset', lazy: lazy(() => import('./routes/auth/reset')), errorElement: <RouteError />, hydrateFallbackElement: <RouteFallback /> },
  {
    path: '/',
    lazy: async () => {
      const { default: Root } = await import('./routes/app/root');
      return {
        Component: () => (
          <ProtectedRoute>
            <Root />
          </ProtectedRoute>
        ),
      };
    },
    errorElement: <RouteError />,
    hydrateFallbackElement: <RouteFallback />,
    children: [
      { index: true, lazy: lazy(() => import('./routes/app/dashboard')) },
      { path: 'bots', lazy: lazy(() => import('./routes/app/bots')) },
      { path: 'bots/new', lazy: lazy(() => import('./routes/app/bot-new')) },
      { path: 'bots/:botId', lazy: lazy(() => import('./routes/app/bot')) },
      { path: 'bots/:botId/edit', lazy: lazy(() => import('./routes/app/bot-edit')) },
      { path: 'backtests', lazy: lazy(() => import('./routes/app/backtests')) },
      { path: 'backtests/compare', lazy: lazy(() => import('./routes/app/backtests-compare')) },
      { path: 'backtests/:backtestId', lazy: lazy(() => import('./routes/app/backtest')) },
      { path: 'optimize', lazy: lazy(() => import('./routes/app/optimize')) },
      { path: 'optimize/:optimizationId', lazy: lazy(() => import('./routes/app/optimize')) },
      { path: 'api-keys', lazy: lazy(() => import('./routes/app/api-keys')) },
      { path: 'trades', lazy: lazy(() => import('./routes/app/trades')) },
      { path: 'notifications', lazy: lazy(() => import('./routes/app/notifications')) },
      { path: 'settings', lazy: lazy(() => import('./routes/app/settings')) },
      { path: '*', lazy: lazy(() => import('./routes/not-found')) },
    ],
  },
];

export function AppRouter() {
  const [router] = useState(() => createBrowserRouter(routes));
  return <RouterProvider router={router} />;
}

export function RouteFallback() {
  return <LoadingState />;
}
