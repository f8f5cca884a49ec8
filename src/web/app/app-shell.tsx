import { Suspense } from 'react';
import { NavLink, Outlet, useMatch } from 'react-router';
import { HeldChanges } from './held-changes.js';
import { SaveStatusBadge } from './save-status-badge.js';
import { ScreenLoading } from '../ui/screen-loading.js';
import { useServices } from '../ui/services.js';
import { ThemeToggle } from './theme-toggle.js';
import { useSession } from '../ui/use-session.js';
import './app-shell.css';

export function AppShell() {
  const { keeper } = useServices();
  const session = useSession();
  const inChat = useMatch('/chats/:id') !== null;

  return (
    <div className={`shell${inChat ? ' shell-fixed' : ''}`}>
      <header className="topbar">
        <NavLink to="/" className="brand">
          Parley
        </NavLink>
        <nav className="main-nav" aria-label="Main">
          <NavLink to="/" end>
            Characters
          </NavLink>
          <NavLink to="/search">Search</NavLink>
          <NavLink to="/personas">Personas</NavLink>
          <NavLink to="/worlds">World info</NavLink>
          <NavLink to="/regex">Regex</NavLink>
          <NavLink to="/connections">Connections</NavLink>
          <NavLink to="/settings">Settings</NavLink>
          <NavLink to="/trash">Trash</NavLink>
          {session.accounts && session.user?.admin && <NavLink to="/accounts">Accounts</NavLink>}
        </nav>
        <div className="topbar-end">
          <SaveStatusBadge />
          <ThemeToggle />
          {session.accounts && session.user && (
            <button type="button" className="link-button" onClick={() => void keeper.signOut()}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <HeldChanges />
      <main className={`page${inChat ? ' page-full' : ''}`}>
        {/* A screen fetched on first visit loads under the shell, which stays as it was. */}
        <Suspense fallback={<ScreenLoading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
