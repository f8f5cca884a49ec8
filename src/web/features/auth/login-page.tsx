import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { useSession } from '../../ui/use-session.js';
import { SignInForm } from './sign-in-form.js';
import './auth.css';

/** Where a deep link goes back to after sign-in; only paths of this app, never another site. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function LoginPage() {
  const session = useSession();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get('next'));
  if (session.phase === 'signed-in') return <Navigate to={next} replace />;

  return (
    <main className="login-page">
      <div className="login-card">
        <h1 className="brand-title">Parley</h1>
        <p className="muted">Sign in to your chats.</p>
        <SignInForm onSignedIn={() => navigate(next, { replace: true })} />
        <p className="muted login-takeover">
          Used Parley before accounts were turned on? That library belongs to the account <code>default-user</code>. The
          operator gives it a password with <code>parley users passwd default-user</code>; then sign in with it.
        </p>
      </div>
    </main>
  );
}
