import { nanoid } from 'nanoid';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { describeError } from '../../api/request-error.js';
import { Dialog } from '../../ui/dialog.js';
import { useServices } from '../../ui/services.js';
import type { ViewMessage } from './apply-chat-ops.js';

interface BranchDialogProps {
  chatId: string;
  /** The message to branch from; null: closed. */
  message: ViewMessage | null;
  onClose(): void;
}

/**
 * Branch from here: a new chat with the history up to this message, opened at once; or, with a name, a checkpoint
 * (SillyTavern's): the same, but the user stays here and the message links to it.
 */
export function BranchDialog({ chatId, message, onClose }: BranchDialogProps) {
  const { api, engine } = useServices();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One id per attempt: pressing again after a lost answer returns the branch made the first time.
  const [id, setId] = useState(() => nanoid());

  const close = () => {
    setName('');
    setProblem(null);
    setId(nanoid());
    onClose();
  };

  async function create(checkpoint: boolean) {
    if (!message) return;
    setBusy(true);
    setProblem(null);
    try {
      const chat = await api.chats.branch(chatId, { messageId: message.id, id, ...(checkpoint && { checkpoint: name.trim() }) });
      engine.publish([`chat:${chatId}`, 'chats']);
      close();
      if (!checkpoint) void navigate(`/chats/${chat.id}`);
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title="Branch from here" open={message !== null} onClose={close}>
      <p className="muted">A new chat with the history up to this message. This chat stays as it is.</p>
      <label className="field">
        <span>Checkpoint name (optional)</span>
        <input value={name} maxLength={150} onChange={(event) => setName(event.target.value)} placeholder="Before the storm" />
      </label>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={close}>
          Cancel
        </button>
        <button type="button" disabled={busy || name.trim() === ''} onClick={() => void create(true)}>
          Save checkpoint
        </button>
        <button type="button" className="primary" disabled={busy} onClick={() => void create(false)}>
          Branch and open
        </button>
      </div>
    </Dialog>
  );
}
