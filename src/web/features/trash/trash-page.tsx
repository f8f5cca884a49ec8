import { useState } from 'react';
import { Link } from 'react-router';
import type { TrashItem } from '../../../shared/api/trash.js';
import { describeError } from '../../api/request-error.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import './trash.css';

const KIND_LABELS: Record<TrashItem['kind'], string> = { message: 'Message', chat: 'Chat', character: 'Character', group: 'Group', world: 'Book' };

const day = (iso: string) => new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });

/** Where a restored item is found again. */
function placeOf(item: TrashItem): string | null {
  switch (item.kind) {
    case 'message':
    case 'chat':
      return item.chatId && `/chats/${item.chatId}`;
    case 'character':
      return `/characters/${item.itemId}`;
    case 'group':
      return `/groups/${item.itemId}`;
    case 'world':
      return `/worlds/${item.itemId}`;
  }
}

/** What was deleted, for `days` days: restore puts it back as it was; emptying is the only way to lose it early. */
export function TrashPage() {
  const { api, engine } = useServices();
  const trash = useResource((signal) => api.trash.list(signal), ['trash'], 'trash');
  const [note, setNote] = useState<{ text: string; link?: string } | null>(null);
  const [emptying, setEmptying] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);

  async function restore(item: TrashItem) {
    setBusy(item.id);
    try {
      await api.trash.restore(item.id);
      const link = placeOf(item) ?? undefined;
      setNote({ text: `${KIND_LABELS[item.kind]} “${item.label}” is back.`, ...(link && { link }) });
      engine.publish(['trash', 'chats', 'characters', 'groups', 'worlds', ...(item.chatId ? [`chat:${item.chatId}`] : [])]);
    } catch (error) {
      setNote({ text: `Not restored: ${describeError(error)}` });
    } finally {
      setBusy(null);
    }
  }

  async function empty() {
    setEmptying(false);
    try {
      const { purged } = await api.trash.empty();
      setNote({ text: `${purged} item${purged === 1 ? '' : 's'} deleted for good.` });
      engine.publish(['trash']);
    } catch (error) {
      setNote({ text: `The trash was not emptied: ${describeError(error)}` });
    }
  }

  const items = trash.data?.items ?? [];
  return (
    <div className="trash-page">
      <div className="row trash-head">
        <h1>Trash</h1>
        <span className="spacer" />
        <button type="button" className="danger" disabled={items.length === 0} onClick={() => setEmptying(true)}>
          Empty trash
        </button>
      </div>
      <p className="muted">
        Deleted messages, chats, characters and books stay here for {trash.data?.days ?? 30} days, then go for good.
      </p>
      {note && (
        <p className="notice trash-note" role="status">
          {note.text} {note.link && <Link to={note.link}>Open</Link>}
        </p>
      )}
      {trash.loading && !trash.data ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="panel">The trash is empty.</p>
      ) : (
        <ul className="trash-list" aria-label="Deleted items">
          {items.map((item) => (
            <li key={item.id} className="trash-item">
              <span className="tag">{KIND_LABELS[item.kind]}</span>
              <span className="trash-label">{item.label}</span>
              <span className="muted trash-dates">
                deleted {day(item.deletedAt)} · gone {day(item.expiresAt)}
              </span>
              <button type="button" disabled={busy === item.id} onClick={() => void restore(item)}>
                Restore
              </button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        title="Empty trash"
        message="Delete everything in the trash for good? This cannot be undone."
        confirmLabel="Empty trash"
        open={emptying}
        onCancel={() => setEmptying(false)}
        onConfirm={() => void empty()}
      />
    </div>
  );
}
