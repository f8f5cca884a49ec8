import { useCallback, useSyncExternalStore } from 'react';
import type { SaveStatus } from '../sync/save-status.js';
import { useServices } from './services.js';

export function useSaveStatus(): SaveStatus {
  const { engine } = useServices();
  const subscribe = useCallback(
    (notify: () => void) => engine.subscribe((event) => event.type === 'status' && notify()),
    [engine],
  );
  return useSyncExternalStore(subscribe, engine.getStatus);
}
