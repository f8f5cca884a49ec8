import { useEffect, useMemo, useState } from 'react';
import type { Change, OutboxEntry } from '../sync/change.js';
import { useServices } from './services.js';

/**
 * The outbox's waiting changes that `pick` cares about, to lay over `serverData`. A change the server acknowledges
 * stays in the list until `serverData` is replaced by the reload its acknowledgement triggers: dropping it at the
 * acknowledgement would show the old server data without it for a moment (a new item vanishing and coming back,
 * and anything the view held for it lost). So overlays must be idempotent: for that one render a change is laid
 * over data that already holds it.
 */
export function usePendingChanges<T>(pick: (change: Change) => T | null, serverData: unknown): T[] {
  const { engine } = useServices();
  const [entries, setEntries] = useState<OutboxEntry[]>([]);
  const [pickFn] = useState(() => pick);

  useEffect(() => {
    let live = true;
    // New server data: what it holds is acknowledged, so the outbox alone says what is still waiting.
    void engine.pendingChanges().then((read) => live && setEntries(read));
    const unsubscribe = engine.subscribe((event) => {
      if (event.type === 'outbox') void engine.pendingChanges().then((read) => live && setEntries((shown) => keepShown(shown, read)));
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, [engine, serverData]);

  return useMemo(
    () =>
      entries.flatMap((entry) => {
        const picked = pickFn(entry.change);
        return picked === null ? [] : [picked];
      }),
    [entries, pickFn],
  );
}

/** What the outbox holds now, plus what was shown and has left it since (acknowledged, awaiting the reload). */
function keepShown(shown: OutboxEntry[], read: OutboxEntry[]): OutboxEntry[] {
  const now = new Set(read.map((entry) => entry.seq));
  const gone = shown.filter((entry) => !now.has(entry.seq));
  return gone.length === 0 ? read : [...gone, ...read].sort((a, b) => a.seq! - b.seq!);
}
