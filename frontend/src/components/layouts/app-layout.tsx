import { useState, type ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';
import { paths } from '@/config/paths';

const NAV = [
  { to: paths.dashboard(), label: 'Dashboard', end: true },
  { to: paths.bots(), label: 'Bots' },
  { to: paths.backtests(), label: 'Backtests' },
  { to: paths.optimize(), label: 'Optimize' },
  { to: paths.trades(), label: 'Trades' },
  { to: paths.apiKeys(), label: 'API keys' },
  { to: paths.notifications(), label: 'Notifications', badge: true },
  { to: paths.settings(), label: 'Settings' },
];

export function AppLayout({
  email,
  unread,
  onSignOut,
  signingOut,
  children,
}: {
  email: string;
  unread: number;
  onSignOut: () => void;
  signingOut?: boolean;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const location = useLocation();
  const [lastPath, setLastPath] = useState(location.pathname);
  if (lastPath !== location.pathname) {
    setLastPath(location.pathname);
    setOpen(false);
  }
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <button type="button" className="btn btn-ghost menu-btn" aria-expanded={open} aria-controls="sidenav" onClick={() => setOpen((o) => !o)}>
          Menu
        </button>
        <span className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Tradebot
        </span>
        <div className="topbar-user">
          <span className="muted email">{email}</span>
          <button type="button" className="btn btn-ghost" onClick={onSignOut} disabled={signingOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav id="sidenav" className={`sidenav${open ? ' open' : ''}`} aria-label="Main">
        {NAV.map((item) => (
          <NavLink key={item.to} to={item.to} end={item.end} className={({ isActive }) => (isActive ? 'active' : undefined)}>
            {item.label}
            {item.badge && unread > 0 ? (
              <span className="count" aria-label={`${unread} unread`}>
                {unread}
              </span>
            ) : null}
          </NavLink>
        ))}
      </nav>
      <main id="main" className="content">
        {children}
      </main>
    </div>
  );
}

export function PageHeader({ title, actions, children }: { title: string; actions?: ReactNode; children?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {children ? <div className="muted">{children}</div> : null}
      </div>
      {actions ? <div className="btn-row">{actions}</div> : null}
    </div>
  );
}
