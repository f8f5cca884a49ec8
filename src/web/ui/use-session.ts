import { useSyncExternalStore } from 'react';
import type { SessionSnapshot } from '../sync/session-keeper.js';
import { useServices } from './services.js';

export function useSession(): SessionSnapshot {
  const { keeper } = useServices();
  return useSyncExternalStore(keeper.subscribe, keeper.getSnapshot);
}
