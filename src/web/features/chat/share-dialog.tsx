import { useState } from 'react';
import type { ShareAccess } from '../../../shared/api/shares.js';
import { describeError } from '../../api/request-error.js';
import { Dialog } from '../../ui/dialog.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';

const ACCESS_LABELS: Record<ShareAccess, string> = { read: 'can read', write: 'can write and generate' };

/** The owner shares the chat with other accounts of this server by handle, and takes shares back. */
export function ShareDialog({ chatId, open, onClose }: { chatId: string; open: boolean; onClose: () => void }) {
  const { api, engine } = useServices();
  const shares = useResource((signal) => (open ? api.shares.list(chatId, signal) : Promise.resolve(null)), [`shares:${chatId}`], `shares:${chatId}:${open}`);
  const [handle, setHandle] = useState('');
  const [access, setAccess] = useState<ShareAccess>('write');
  const [problem, setProblem] = useState<string | null>(null);

  async function run(action: () => Promise<unknown>) {
    setProblem(null);
    try {
      await action();
      engine.publish([`shares:${chatId}`]);
    } catch (error) {
      setProblem(describeError(error));
    }
  }

  return (
    <Dialog title="Share this chat" open={open} onClose={onClose}>
      <p className="muted">Other accounts of this server see it in their chats; with write access they write and generate with your connection.</p>
      <form
        className="row"
        onSubmit={(event) => {
          event.preventDefault();
          const target = handle.trim();
          if (target) void run(() => api.shares.share(chatId, { handle: target, access })).then(() => setHandle(''));
        }}
      >
        <input aria-label="Handle" placeholder="their handle" value={handle} onChange={(event) => setHandle(event.target.value)} />
        <select aria-label="Access" value={access} onChange={(event) => setAccess(event.target.value as ShareAccess)}>
          <option value="write">{ACCESS_LABELS.write}</option>
          <option value="read">{ACCESS_LABELS.read}</option>
        </select>
        <button type="submit" className="primary">
          Share
        </button>
      </form>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      <ul aria-label="Shared with">
        {(shares.data?.shares ?? []).map((share) => (
          <li key={share.handle} className="row">
            <span>
              {share.name} <span className="muted">@{share.handle}</span> {ACCESS_LABELS[share.access]}
            </span>
            <button type="button" className="link-button danger" onClick={() => void run(() => api.shares.unshare(chatId, share.handle))}>
              Stop sharing
            </button>
          </li>
        ))}
      </ul>
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
