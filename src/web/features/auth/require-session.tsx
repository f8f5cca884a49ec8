import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../../ui/use-session.js';
import { SignInDialog } from './sign-in-dialog.js';

/** The app's pages need a session: wait for the first one, send a stranger to /login, keep the page otherwise. */
export function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (session.phase === 'starting') {
    return (
      <p className="centered muted" role="status">
        Connecting…
      </p>
    );
  }
  if (session.phase === 'signed-out') {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  return (
    <>
      {children}
      <SignInDialog />
    </>
  );
}
