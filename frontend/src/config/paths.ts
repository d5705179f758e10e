export const paths = {
  login: (redirectTo?: string) =>
    redirectTo && redirectTo !== '/' ? `/login?redirectTo=${encodeURIComponent(redirectTo)}` : '/login',
  register: () => '/register',
  checkInbox: (email?: string) => (email ? `/check-inbox?email=${encodeURIComponent(email)}` : '/check-inbox'),
  forgotPassword: () => '/forgot-password',
  dashboard: () => '/',
  bots: () => '/bots',
  /** `query`: e.g. a bot prefill (lib/bot-prefill). */
  newBot: (query?: string) => (query ? `/bots/new?${query}` : '/bots/new'),
  bot: (id: string) => `/bots/${encodeURIComponent(id)}`,
  editBot: (id: string) => `/bots/${encodeURIComponent(id)}/edit`,
  backtests: () => '/backtests',
  backtest: (id: string) => `/backtests/${encodeURIComponent(id)}`,
  optimize: () => '/optimize',
  optimization: (id: string) => `/optimize/${encodeURIComponent(id)}`,
  compareBacktests: (ids: string[]) => `/backtests/compare?ids=${ids.map(encodeURIComponent).join(',')}`,
  apiKeys: () => '/api-keys',
  trades: () => '/trades',
  notifications: () => '/notifications',
  settings: () => '/settings',
} as const;
