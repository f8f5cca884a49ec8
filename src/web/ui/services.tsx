import { createContext, useContext, type ReactNode } from 'react';
import type { ApiClient } from '../api/api-client.js';
import type { FirstPagePrefetch } from '../features/chat/first-page-prefetch.js';
import type { MarkdownRenderer } from '../render/markdown-renderer.js';
import type { DraftStore } from '../sync/draft-store.js';
import type { SessionKeeper } from '../sync/session-keeper.js';
import type { SyncEngine } from '../sync/sync-engine.js';

/** The app's long-lived objects, made once in main.tsx and handed down (no module-level state). */
export interface Services {
  api: ApiClient;
  keeper: SessionKeeper;
  engine: SyncEngine;
  drafts: DraftStore;
  markdown: MarkdownRenderer;
  /** The newest page of the chat the address opened, asked for before the first render. */
  firstPage: FirstPagePrefetch;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}
