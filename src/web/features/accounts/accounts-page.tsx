import { useState, type FormEvent } from 'react';
import type { PublicUser } from '../../../shared/api/session.js';
import { RequestError } from '../../api/request-error.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { Dialog } from '../../ui/dialog.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import { useSession } from '../../ui/use-session.js';
import './accounts.css';

const reasonOf = (error: unknown) =>
  error instanceof RequestError ? error.message : 'The server could not be reached; nothing was changed.';

type Note = { ok: boolean; text: string } | null;

function NewAccountForm({ onCreated }: { onCreated(user: PublicUser): void }) {
  const { api } = useServices();
  const [handle, setHandle] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [admin, setAdmin] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const user = await api.users.create({ handle, password, admin, ...(name.trim() && { name: name.trim() }) });
      setHandle('');
      setName('');
      setPassword('');
      setAdmin(false);
      onCreated(user);
    } catch (error) {
      setProblem(reasonOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel stack account-form" onSubmit={submit} aria-label="New account">
      <h2>New account</h2>
      <div className="account-fields">
        <label className="field">
          <span>
            Handle <span className="field-hint">to sign in with: a-z, 0-9, . _ -</span>
          </span>
          <input
            value={handle}
            onChange={(event) => setHandle(event.target.value.toLowerCase())}
            pattern="[a-z0-9][a-z0-9._\-]*"
            maxLength={64}
            autoComplete="off"
            required
          />
        </label>
        <label className="field">
          <span>
            Name <span className="field-hint">shown; the handle when empty</span>
          </span>
          <input value={name} maxLength={128} onChange={(event) => setName(event.target.value)} />
        </label>
        <label className="field">
          <span>
            Password <span className="field-hint">at least 8 characters</span>
          </span>
          <input
            type="password"
            value={password}
            minLength={8}
            autoComplete="new-password"
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </label>
      </div>
      <label className="account-check">
        <input type="checkbox" checked={admin} onChange={(event) => setAdmin(event.target.checked)} />
        <span>Admin: can manage accounts</span>
      </label>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </div>
    </form>
  );
}

function PasswordResetDialog({ user, onDone }: { user: PublicUser | null; onDone(note: Note): void }) {
  const { api } = useServices();
  const [password, setPassword] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!user) return;
    try {
      await api.users.update(user.handle, { password });
      setPassword('');
      onDone({ ok: true, text: `${user.name}’s password was reset; their sessions were signed out.` });
    } catch (error) {
      setProblem(reasonOf(error));
    }
  }

  return (
    <Dialog title={user ? `Reset ${user.name}’s password` : ''} open={user !== null} onClose={() => onDone(null)}>
      <form className="stack" onSubmit={submit}>
        <label className="field">
          <span>
            New password <span className="field-hint">at least 8 characters; tell it to them yourself</span>
          </span>
          <input type="password" value={password} minLength={8} autoComplete="new-password" onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {problem && (
          <p className="form-problem" role="alert">
            {problem}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={() => onDone(null)}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Reset password
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * Accounts, for admins: create one, reset a password (which signs its sessions out), make or unmake an admin, delete.
 * Sent now and answered now through /api/users: nothing here waits in the outbox, a password least of all.
 */
export function AccountsPage() {
  const { api } = useServices();
  const session = useSession();
  const allowed = session.accounts && session.user?.admin === true;
  const users = useResource((signal) => (allowed ? api.users.list(signal) : Promise.resolve([])), ['users'], `users:${allowed}`);
  const [note, setNote] = useState<Note>(null);
  const [resetting, setResetting] = useState<PublicUser | null>(null);
  const [deleting, setDeleting] = useState<PublicUser | null>(null);

  if (!session.accounts) {
    return (
      <div className="accounts-page">
        <h1>Accounts</h1>
        <p className="muted">
          Parley runs for one person here. To share it, set <code>enableUserAccounts: true</code> in config.yaml and create
          the first admin with <code>npm run parley -- users add NAME --admin</code>.
        </p>
      </div>
    );
  }
  if (!allowed) {
    return (
      <div className="accounts-page">
        <h1>Accounts</h1>
        <p className="muted">Only an admin manages accounts.</p>
      </div>
    );
  }

  async function act(work: () => Promise<unknown>, done: string) {
    try {
      await work();
      setNote({ ok: true, text: done });
      users.reload();
    } catch (error) {
      setNote({ ok: false, text: reasonOf(error) });
    }
  }

  return (
    <div className="accounts-page">
      <h1>Accounts</h1>
      {note && (
        <p className={note.ok ? 'account-note' : 'notice'} role="status">
          {note.text}
        </p>
      )}
      <ul className="account-list" aria-label="Accounts">
        {(users.data ?? []).map((user) => {
          const self = user.handle === session.user?.handle;
          return (
            <li key={user.handle} className="panel account" aria-label={user.handle}>
              <div className="account-who">
                <strong>{user.name}</strong> <span className="muted">@{user.handle}</span>
                {user.admin && <span className="tag">admin</span>}
                {self && <span className="tag">you</span>}
              </div>
              <div className="row account-actions">
                <button type="button" onClick={() => setResetting(user)}>
                  Reset password
                </button>
                <button
                  type="button"
                  onClick={() =>
                    void act(
                      () => api.users.update(user.handle, { admin: !user.admin }),
                      user.admin ? `${user.name} is no longer an admin.` : `${user.name} is now an admin.`,
                    )
                  }
                >
                  {user.admin ? 'Remove admin' : 'Make admin'}
                </button>
                <button type="button" className="danger" disabled={self} title={self ? 'You cannot delete your own account here' : undefined} onClick={() => setDeleting(user)}>
                  Delete
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      <NewAccountForm
        onCreated={(user) => {
          setNote({ ok: true, text: `${user.name} can now sign in as ${user.handle}.` });
          users.reload();
        }}
      />
      <PasswordResetDialog
        user={resetting}
        onDone={(result) => {
          setResetting(null);
          if (result) setNote(result);
        }}
      />
      <ConfirmDialog
        title="Delete account"
        message={deleting ? `Delete ${deleting.name} (@${deleting.handle}) and everything they made? This cannot be undone.` : ''}
        confirmLabel="Delete"
        open={deleting !== null}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const user = deleting;
          setDeleting(null);
          if (user) void act(() => api.users.delete(user.handle), `${user.name}’s account was deleted.`);
        }}
      />
    </div>
  );
}
