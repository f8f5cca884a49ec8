import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { ChatOp, CreateChatRequest } from '../../../shared/api/chats.js';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../ui/services.js';
import type { OutboxEntry } from '../../sync/change.js';
import { ALL_TOPICS } from '../../sync/server-events.js';
import { applyChatOps, type ViewMessage } from './apply-chat-ops.js';
import { appendNewerPage, mergeNewestPage, prependOlderPage, type MessageWindow } from './merge-pages.js';

/** The newest page opens the chat; further pages load as the user scrolls up, and back down. */
export const FIRST_PAGE = 50;
export const PAGE = 100;
/** Messages held at most (~2 MB of heap); the end farthest from the reader goes first. */
export const MAX_WINDOW = 3_000;

export interface Timeline {
  /** 'starting': the chat was created here and its creation is still in the outbox. */
  status: 'loading' | 'ready' | 'starting' | 'missing' | 'error';
  error: Error | null;
  messages: ViewMessage[];
  hasOlder: boolean;
  /** The newest messages are not loaded: the reader is back in a long history. */
  hasNewer: boolean;
  /** The end a page is loading at. */
  loading: 'older' | 'newer' | null;
  loadOlder: () => void;
  loadNewer: () => void;
  /** Loads the newest page in place of the window (the reader wrote something far back in the history). */
  showNewest: () => void;
  /** Changes each time the window is replaced whole, so the list opens afresh at the newest message. */
  epoch: number;
  /** A title waiting in the outbox, if any (newest wins). */
  pendingTitle: string | null;
  pendingCreate: CreateChatRequest | null;
}

interface Loaded extends MessageWindow {
  status: Timeline['status'];
  error: Error | null;
}

/** How long a page that could not be loaded waits before it is asked for again. */
const RETRY_PAUSE_MS = 2_000;

const EMPTY: Loaded = { messages: [], hasOlder: false, hasNewer: false, status: 'loading', error: null };

const opsOf = (entries: OutboxEntry[]): ChatOp[] =>
  entries.flatMap((entry) => (entry.change.kind === 'chat-op' ? [entry.change.op] : []));

const createOf = (entries: OutboxEntry[]): CreateChatRequest | null => {
  for (const entry of entries) if (entry.change.kind === 'chat-create') return entry.change.request;
  return null;
};

/** Appends belong after the newest message, which a window moved back into the history does not hold. */
const fitting = (ops: readonly ChatOp[], hasNewer: boolean): readonly ChatOp[] =>
  hasNewer ? ops.filter((op) => op.type !== 'append') : ops;

/**
 * A chat's messages as the user should see them: a window of the server's pages with the outbox's pending ops on
 * top. Pending ops are read before the page they are laid over, so an op acknowledged in between is in the page
 * rather than in neither. With `aroundSeq` (a search hit) the window opens around that message instead of at the
 * newest one, however far back it is.
 */
export function useChatTimeline(chatId: string, aroundSeq?: number): Timeline {
  const { api, engine, firstPage } = useServices();
  const [loaded, setLoaded] = useState<Loaded>(EMPTY);
  const [pending, setPending] = useState<OutboxEntry[]>([]);
  const [loading, setLoading] = useState<Timeline['loading']>(null);
  const [epoch, setEpoch] = useState(0);
  const refreshCall = useRef(0);
  // Pages asked for before the window was replaced whole are not laid into the new one.
  const windowId = useRef(0);
  const loadingRef = useRef(false);
  const loadedRef = useRef(loaded);
  loadedRef.current = loaded;

  /** The newest page: folded into the window (a refresh), or in place of it (`whole`). */
  const loadNewest = useCallback(
    async (whole: boolean) => {
      const current = loadedRef.current;
      // Back in the history the newest page is not in the window; the way down reads it fresh.
      if (!whole && current.status === 'ready' && current.hasNewer) return;
      const call = ++refreshCall.current;
      // The outbox read is issued before the page is asked for, and both run at once: IndexedDB orders the
      // read before the removal of any op acknowledged later, and an op removed earlier is in the page.
      const entriesRead = engine.pendingForChat(chatId);
      // Opening the chat the address named, its page may be on its way already (asked for at start-up, before this
      // read): it is taken only if no op was acknowledged and the outbox did not change since it was asked for.
      const prefetched = whole ? null : firstPage.take(chatId);
      const asked = () => api.chats.messages(chatId, { limit: FIRST_PAGE });
      const pageRead = (prefetched ? prefetched.then((page) => page ?? asked()) : asked()).then(
        (page) => ({ page, error: null }),
        (error: unknown) => ({ page: null, error: error as Error }),
      );
      const entries = await entriesRead;
      const { page, error } = await pageRead;
      if (call !== refreshCall.current) return;
      setPending(entries);
      if (page) {
        if (whole) {
          windowId.current += 1;
          setEpoch((n) => n + 1);
        }
        setLoaded((prev) => {
          if (whole || prev.status !== 'ready') {
            return { messages: page.messages, hasOlder: page.hasMore, hasNewer: false, status: 'ready', error: null };
          }
          // The reader went back into the history while this page was on its way.
          if (prev.hasNewer) return prev;
          const messages = mergeNewestPage(prev.messages, page);
          // Older pages loaded before keep their own answer to "is there more above?".
          const keptOlder = messages.length > page.messages.length;
          return { messages, hasOlder: keptOlder ? prev.hasOlder : page.hasMore, hasNewer: false, status: 'ready', error: null };
        });
        return;
      }
      const missing = error instanceof RequestError && error.status === 404;
      const status = missing ? (createOf(entries) ? 'starting' : 'missing') : 'error';
      setLoaded((prev) => (prev.status === 'ready' && !missing ? prev : { ...EMPTY, status, error }));
    },
    [api, engine, firstPage, chatId],
  );

  /** The page around a message far back: the window starts there, the newest messages unloaded. */
  const loadAround = useCallback(
    async (seq: number) => {
      const call = ++refreshCall.current;
      const entriesRead = engine.pendingForChat(chatId);
      try {
        const page = await api.chats.messages(chatId, { around: seq, limit: PAGE });
        const entries = await entriesRead;
        if (call !== refreshCall.current) return;
        setPending(entries);
        setLoaded({ messages: page.messages, hasOlder: page.hasMore, hasNewer: page.hasNewer ?? false, status: 'ready', error: null });
      } catch (error) {
        if (call !== refreshCall.current) return;
        const missing = error instanceof RequestError && error.status === 404;
        setLoaded({ ...EMPTY, status: missing ? 'missing' : 'error', error: error as Error });
      }
    },
    [api, engine, chatId],
  );

  // A layout effect: the first page is asked for as the screen commits, before it paints and before the passive
  // effects of everything in it (the header's reads, the composer) take their turn on the main thread.
  useLayoutEffect(() => {
    setLoaded(EMPTY);
    setPending([]);
    if (aroundSeq === undefined) void loadNewest(false);
    else void loadAround(aroundSeq);
    return engine.subscribe((event) => {
      if (event.type === 'outbox') {
        // New entries only: an acknowledged one leaves with the refresh that shows it saved, never before.
        void engine.pendingForChat(chatId).then((entries) =>
          setPending((prev) => {
            const known = new Set(prev.map((entry) => entry.seq));
            const added = entries.filter((entry) => !known.has(entry.seq));
            return added.length > 0 ? [...prev, ...added] : prev;
          }),
        );
      } else if (event.type === 'acked' && event.chatId === chatId) {
        const ids = new Set(event.ops.map((op) => op.opId));
        setLoaded((prev) => ({ ...prev, messages: applyChatOps(prev.messages, fitting(event.ops, prev.hasNewer), false) }));
        setPending((prev) => prev.filter((entry) => !(entry.change.kind === 'chat-op' && ids.has(entry.change.op.opId))));
      } else if (event.type === 'changed' && event.topics.some((t) => t === `chat:${chatId}` || t === ALL_TOPICS)) {
        void loadNewest(false);
      }
    });
  }, [engine, chatId, aroundSeq, loadNewest, loadAround]);

  /** One page at a time, at either end; a failed one is retried by scrolling there again. */
  const loadPage = useCallback(
    (end: 'older' | 'newer') => {
      const current = loadedRef.current;
      const edge = end === 'older' ? current.messages.find((m) => !m.pending) : current.messages.at(-1);
      const more = end === 'older' ? current.hasOlder : current.hasNewer;
      if (loadingRef.current || !more || !edge) return;
      loadingRef.current = true;
      setLoading(end);
      const id = windowId.current;
      const query = end === 'older' ? { before: edge.seq, limit: PAGE } : { after: edge.seq, limit: PAGE };
      api.chats
        .messages(chatId, query)
        .then((page) => {
          if (id !== windowId.current) return;
          setLoaded((prev) => ({
            ...prev,
            ...(end === 'older' ? prependOlderPage(prev, page, MAX_WINDOW) : appendNewerPage(prev, page, MAX_WINDOW)),
          }));
        })
        // The loaded messages stay as they are; the page is asked for again (the list asks while the reader is at
        // that end) only after a pause: at once, a server or network that keeps failing would be asked in a loop.
        .catch(() => new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS)))
        .finally(() => {
          loadingRef.current = false;
          setLoading(null);
        });
    },
    [api, chatId],
  );
  const loadOlder = useCallback(() => loadPage('older'), [loadPage]);
  const loadNewer = useCallback(() => loadPage('newer'), [loadPage]);
  const showNewest = useCallback(() => void loadNewest(true), [loadNewest]);

  const messages = useMemo(
    () => applyChatOps(loaded.messages, fitting(opsOf(pending), loaded.hasNewer), true),
    [loaded.messages, loaded.hasNewer, pending],
  );
  const pendingTitle = useMemo(() => {
    let title: string | null = null;
    for (const op of opsOf(pending)) if (op.type === 'setTitle') title = op.title;
    return title;
  }, [pending]);

  return {
    status: loaded.status,
    error: loaded.error,
    messages,
    hasOlder: loaded.hasOlder,
    hasNewer: loaded.hasNewer,
    loading,
    loadOlder,
    loadNewer,
    showNewest,
    epoch,
    pendingTitle,
    pendingCreate: createOf(pending),
  };
}
