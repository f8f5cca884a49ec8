import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ChatOp, CreateChatRequest } from '../../../shared/api/chats.js';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../app/services.js';
import type { OutboxEntry } from '../../sync/change.js';
import { ALL_TOPICS } from '../../sync/server-events.js';
import { applyChatOps, type ViewMessage } from './apply-chat-ops.js';
import { mergeNewestPage, prependOlderPage } from './merge-pages.js';

/** The newest page opens the chat; older pages load as the user scrolls up. */
export const FIRST_PAGE = 50;
export const OLDER_PAGE = 100;

export interface Timeline {
  /** 'starting': the chat was created here and its creation is still in the outbox. */
  status: 'loading' | 'ready' | 'starting' | 'missing' | 'error';
  error: Error | null;
  messages: ViewMessage[];
  hasMore: boolean;
  loadingOlder: boolean;
  loadOlder: () => void;
  /** A title waiting in the outbox, if any (newest wins). */
  pendingTitle: string | null;
  pendingCreate: CreateChatRequest | null;
}

interface Loaded {
  messages: ViewMessage[];
  hasMore: boolean;
  status: Timeline['status'];
  error: Error | null;
}

const opsOf = (entries: OutboxEntry[]): ChatOp[] =>
  entries.flatMap((entry) => (entry.change.kind === 'chat-op' ? [entry.change.op] : []));

const createOf = (entries: OutboxEntry[]): CreateChatRequest | null => {
  for (const entry of entries) if (entry.change.kind === 'chat-create') return entry.change.request;
  return null;
};

/**
 * A chat's messages as the user should see them: the server's pages with the outbox's pending ops on top.
 * Pending ops are read before the page they are laid over, so an op acknowledged in between is in the page
 * rather than in neither.
 */
export function useChatTimeline(chatId: string): Timeline {
  const { api, engine } = useServices();
  const [loaded, setLoaded] = useState<Loaded>({ messages: [], hasMore: false, status: 'loading', error: null });
  const [pending, setPending] = useState<OutboxEntry[]>([]);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const refreshCall = useRef(0);
  const loadedRef = useRef(loaded);
  loadedRef.current = loaded;

  const refresh = useCallback(async () => {
    const call = ++refreshCall.current;
    const entries = await engine.pendingForChat(chatId);
    try {
      const page = await api.chats.messages(chatId, { limit: FIRST_PAGE });
      if (call !== refreshCall.current) return;
      setPending(entries);
      setLoaded((prev) => {
        const messages = prev.status === 'ready' ? mergeNewestPage(prev.messages, page) : page.messages;
        // Older pages loaded before keep their own answer to "is there more above?".
        const keptOlder = messages.length > page.messages.length;
        return { messages, hasMore: keptOlder ? prev.hasMore : page.hasMore, status: 'ready', error: null };
      });
    } catch (error) {
      if (call !== refreshCall.current) return;
      setPending(entries);
      const missing = error instanceof RequestError && error.status === 404;
      const status = missing ? (createOf(entries) ? 'starting' : 'missing') : 'error';
      setLoaded((prev) =>
        prev.status === 'ready' && !missing ? prev : { messages: [], hasMore: false, status, error: error as Error },
      );
    }
  }, [api, engine, chatId]);

  useEffect(() => {
    setLoaded({ messages: [], hasMore: false, status: 'loading', error: null });
    setPending([]);
    void refresh();
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
        setLoaded((prev) => ({ ...prev, messages: applyChatOps(prev.messages, event.ops, false) }));
        setPending((prev) => prev.filter((entry) => !(entry.change.kind === 'chat-op' && ids.has(entry.change.op.opId))));
      } else if (event.type === 'changed' && event.topics.some((t) => t === `chat:${chatId}` || t === ALL_TOPICS)) {
        void refresh();
      }
    });
  }, [engine, chatId, refresh]);

  const loadOlder = useCallback(() => {
    const current = loadedRef.current;
    const oldest = current.messages.find((message) => !message.pending);
    if (loadingOlder || !current.hasMore || !oldest) return;
    setLoadingOlder(true);
    api.chats
      .messages(chatId, { before: oldest.seq, limit: OLDER_PAGE })
      .then((page) =>
        setLoaded((prev) => ({ ...prev, messages: prependOlderPage(prev.messages, page), hasMore: page.hasMore })),
      )
      .catch(() => {
        // Scrolling up again retries; the loaded messages stay as they are.
      })
      .finally(() => setLoadingOlder(false));
  }, [api, chatId, loadingOlder]);

  const messages = useMemo(() => applyChatOps(loaded.messages, opsOf(pending), true), [loaded.messages, pending]);
  const pendingTitle = useMemo(() => {
    let title: string | null = null;
    for (const op of opsOf(pending)) if (op.type === 'setTitle') title = op.title;
    return title;
  }, [pending]);

  return {
    status: loaded.status,
    error: loaded.error,
    messages,
    hasMore: loaded.hasMore,
    loadingOlder,
    loadOlder,
    pendingTitle,
    pendingCreate: createOf(pending),
  };
}
