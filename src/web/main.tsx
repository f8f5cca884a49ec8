// Before any module that builds a schema.
import './zod-config.js';
import { nanoid } from 'nanoid';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api/api-client.js';
import { SessionApi } from './api/session-api.js';
import { Transport } from './api/transport.js';
import { App } from './app/app.js';
import { preloadScreenOf } from './app/screens.js';
import { prepareChatRows } from './features/chat/chat-page.js';
import { FirstPagePrefetch } from './features/chat/first-page-prefetch.js';
import { FIRST_PAGE } from './features/chat/use-chat-timeline.js';
import { ServicesProvider, type Services } from './ui/services.js';
import { applyTheme, readTheme } from './ui/theme.js';
import { MarkdownRenderer } from './render/markdown-renderer.js';
import { DraftStore } from './sync/draft-store.js';
import { OutboxStore } from './sync/outbox-store.js';
import { ServerEvents } from './sync/server-events.js';
import { SessionKeeper } from './sync/session-keeper.js';
import { SyncEngine } from './sync/sync-engine.js';
import { TabChannel } from './sync/tab-channel.js';
import './styles/base.css';

/** Makes the app's long-lived objects once; everything below gets them from context, nothing from globals. */
async function boot(root: HTMLElement) {
  applyTheme(readTheme());
  const screenLoaded = preloadScreenOf(location.pathname);
  const channel = new TabChannel();
  const keeper = new SessionKeeper(new SessionApi(new Transport(null)), channel, localStorage);
  // Names this tab's writes, so the events stream's echo of them can be told apart from other devices' changes.
  const clientId = nanoid();
  const api = new ApiClient(keeper, clientId);
  const markdown = new MarkdownRenderer(window);
  // The server says whether images from other sites may show; messages render accordingly from then on.
  keeper.subscribe(() => {
    markdown.remoteImages = keeper.getSnapshot().remoteImages;
  });
  // The outbox opens while the first screen renders and asks for its data; the engine's calls wait for it.
  const store = OutboxStore.open();
  const engine = new SyncEngine({ store, api, keeper, channel });
  // Listens to the session before the screens do: the chat's first page is asked for before they render.
  const firstPage = new FirstPagePrefetch(api, engine);
  firstPage.startForAddress(location.pathname, location.search, keeper, FIRST_PAGE);
  // The session is asked for while the script still runs: every screen waits for it. The engine and the events
  // stream read the session's state when they start, so it may well answer first.
  void keeper.start();
  const services: Services = { api, keeper, engine, drafts: new DraftStore(localStorage), markdown, firstPage };
  engine.start();
  new ServerEvents(engine, keeper, clientId).start();
  // The first render waits for the screen's code: React holds a screen that suspends back up to 300 ms.
  await screenLoaded;
  const app = createRoot(root);
  app.render(
    <StrictMode>
      <ServicesProvider services={services}>
        <App />
      </ServicesProvider>
    </StrictMode>,
  );
  // Opened at another screen, the chat's rows are made ready when the page is idle: the chat opened from it is quick.
  if ('requestIdleCallback' in window) requestIdleCallback(() => prepareChatRows(markdown));
  await store.opened.catch((error: unknown) => {
    engine.stop();
    app.unmount();
    throw error;
  });
}

/** The service worker keeps the app's shell for offline starts (a build has /sw.js; vite's dev server does not). */
function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
    // The app works without it, online; say why in the console for whoever looks.
    console.warn('Parley: the offline copy of the app could not be set up:', error);
  });
}

const root = document.getElementById('root')!;
registerServiceWorker();
boot(root).catch((error: unknown) => {
  // Without IndexedDB nothing could be kept safely; say so plainly rather than pretend.
  root.textContent = `Parley cannot start in this browser: ${(error as Error).message}`;
});
