import { useEffect, useState, type FormEvent } from 'react';
import { Dialog } from '../../ui/dialog.js';

interface RenameDialogProps {
  /** The current title; null keeps the dialog closed. */
  title: string | null;
  onRename(title: string): void;
  onClose(): void;
}

export function RenameDialog({ title, onRename, onClose }: RenameDialogProps) {
  const [value, setValue] = useState(title ?? '');
  useEffect(() => setValue(title ?? ''), [title]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = value.trim();
    if (next && next !== title) onRename(next);
    onClose();
  }

  return (
    <Dialog title="Rename chat" open={title !== null} onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span>Title</span>
          <input value={value} maxLength={200} onChange={(event) => setValue(event.target.value)} />
        </label>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Rename
          </button>
        </div>
      </form>
    </Dialog>
  );
}
