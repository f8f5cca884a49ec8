import { useEffect, useRef, useState, type FormEvent } from 'react';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../ui/services.js';
import './sign-in-form.css';

function reasonOf(error: unknown): string {
  if (error instanceof RequestError) {
    if (error.code === 'invalid_credentials') return 'That username and password do not match.';
    if (error.code === 'rate_limited') return error.message;
    return error.message;
  }
  return 'The server could not be reached. Check the connection and try again.';
}

/** Username, Password, Sign in: the same form on the sign-in page and in the dialog over an open page. */
export function SignInForm({ onSignedIn, defaultHandle }: { onSignedIn?: () => void; defaultHandle?: string }) {
  const { keeper } = useServices();
  const [handle, setHandle] = useState(defaultHandle ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  // The username is known (the session that ended was this user's): the password is what is left to type. A frame
  // later, so a dialog that opens around the form (which focuses its first field) has done so first.
  useEffect(() => {
    if (!defaultHandle) return;
    const frame = requestAnimationFrame(() => passwordRef.current?.focus());
    return () => cancelAnimationFrame(frame);
  }, [defaultHandle]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      await keeper.signIn({ handle: handle.trim(), password });
      setPassword('');
      onSignedIn?.();
    } catch (error) {
      setProblem(reasonOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="sign-in-form stack" onSubmit={submit}>
      <label className="field">
        <span>Username</span>
        <input
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          autoFocus={!defaultHandle}
          required
          value={handle}
          onChange={(event) => setHandle(event.target.value)}
        />
      </label>
      <label className="field">
        <span>Password</span>
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          ref={passwordRef}
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
      </label>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        Sign in
      </button>
    </form>
  );
}
