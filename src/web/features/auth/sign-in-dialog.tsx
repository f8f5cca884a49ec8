import { Dialog } from '../../ui/dialog.js';
import { useSaveStatus } from '../../ui/use-save-status.js';
import { useSession } from '../../ui/use-session.js';
import { SignInForm } from './sign-in-form.js';

/**
 * Shown over the page when a session ends under it (idle expiry, signed out elsewhere, password changed). The page
 * stays as it is; the outbox keeps every change and sends it as soon as the user is back.
 */
export function SignInDialog() {
  const session = useSession();
  const status = useSaveStatus();
  const open = session.phase === 'sign-in-needed';
  return (
    <Dialog title="Sign in again" open={open}>
      <p className="muted">
        Your session ended.{' '}
        {status.pending > 0
          ? `${status.pending} ${status.pending === 1 ? 'change is' : 'changes are'} kept here and will be saved when you sign in.`
          : 'Everything you typed is kept here.'}
      </p>
      {open && <SignInForm defaultHandle={session.owner ?? ''} />}
    </Dialog>
  );
}
