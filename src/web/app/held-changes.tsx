import { nanoid } from 'nanoid';
import { useCallback, useEffect, useState } from 'react';
import type { Change, HeldChange } from '../sync/change.js';
import { copyText } from '../ui/copy-text.js';
import { useServices } from '../ui/services.js';

/** The words the user wrote in a change, if it carried any. */
function textOf(change: Change): string | null {
  if (change.kind !== 'chat-op') return null;
  const op = change.op;
  if (op.type === 'append') return op.message.content;
  if (op.type === 'edit' || op.type === 'addSwipe') return op.content;
  if (op.type === 'setTitle') return op.title;
  return null;
}

function HeldItem({ item }: { item: HeldChange }) {
  const { engine } = useServices();
  const mine = textOf(item.change);
  const current = item.current;
  const change = item.change;
  const canKeepMine = item.reason === 'conflict' && current && change.kind === 'chat-op' && change.op.type === 'edit';

  async function keepMine() {
    if (!canKeepMine || change.kind !== 'chat-op' || change.op.type !== 'edit') return;
    // Re-editing on top of the server's version is the user's explicit choice, so it names that version as base.
    await engine.enqueue({
      kind: 'chat-op',
      chatId: change.chatId,
      op: { ...change.op, opId: nanoid(), baseRevision: current!.revision },
    });
    await engine.dismissHeld(item.id);
  }

  return (
    <li className="held-item">
      <p>
        <strong>{item.reason === 'conflict' ? 'Edited in two places.' : 'The server turned down a change.'}</strong>{' '}
        {item.reason === 'conflict'
          ? current
            ? 'Showing the version saved elsewhere; yours is kept below.'
            : 'The message was deleted elsewhere; your text is kept below.'
          : item.message}
      </p>
      {current && (
        <details>
          <summary>Saved version</summary>
          <pre className="held-text">{current.content}</pre>
        </details>
      )}
      {mine !== null && (
        <details open>
          <summary>Your version</summary>
          <pre className="held-text">{mine}</pre>
        </details>
      )}
      <div className="row">
        {canKeepMine && (
          <button type="button" className="primary" onClick={() => void keepMine()}>
            Keep mine
          </button>
        )}
        {mine !== null && (
          <button type="button" onClick={() => void copyText(mine)}>
            Copy my text
          </button>
        )}
        <button type="button" onClick={() => void engine.dismissHeld(item.id)}>
          {canKeepMine ? 'Keep the saved version' : 'Dismiss'}
        </button>
      </div>
    </li>
  );
}

/** Changes the server did not take as they were; each waits here, with the user's words, until decided. */
export function HeldChanges() {
  const { engine } = useServices();
  const [items, setItems] = useState<HeldChange[]>([]);
  const refresh = useCallback(() => void engine.held().then(setItems), [engine]);

  useEffect(() => {
    refresh();
    return engine.subscribe((event) => {
      if (event.type === 'held' || event.type === 'status') refresh();
    });
  }, [engine, refresh]);

  if (items.length === 0) return null;
  return (
    <section className="held-changes notice" aria-label="Changes that need your decision">
      <ul>
        {items.map((item) => (
          <HeldItem key={item.id} item={item} />
        ))}
      </ul>
    </section>
  );
}
