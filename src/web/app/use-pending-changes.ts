import { useEffect, useState } from 'react';
import type { Change } from '../sync/change.js';
import { useServices } from './services.js';

/** The outbox's waiting changes that `pick` cares about, kept current as the outbox changes. */
export function usePendingChanges<T>(pick: (change: Change) => T | null): T[] {
  const { engine } = useServices();
  const [items, setItems] = useState<T[]>([]);
  const [pickFn] = useState(() => pick);

  useEffect(() => {
    let live = true;
    const load = () =>
      void engine.pendingChanges().then((changes) => {
        if (live) setItems(changes.flatMap((change) => { const picked = pickFn(change); return picked === null ? [] : [picked]; }));
      });
    load();
    const unsubscribe = engine.subscribe((event) => {
      if (event.type === 'outbox' || event.type === 'changed') load();
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, [engine, pickFn]);

  return items;
}
