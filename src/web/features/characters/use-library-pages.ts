import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { CharacterSummary } from '../../../shared/api/characters.js';
import type { LibraryQuery } from '../../../shared/api/library.js';
import { useServices } from '../../ui/services.js';
import { ALL_TOPICS } from '../../sync/server-events.js';

/** The first page is what the screen needs to paint; later ones come as the reader scrolls toward them. */
export const LIBRARY_PAGE = 60;

export interface LibraryPages {
  items: CharacterSummary[];
  total: number;
  /** null until the first page of this query has come. */
  loaded: boolean;
  error: Error | null;
  hasMore: boolean;
  loadMore: () => void;
  reload: () => void;
}

/**
 * The library for one query (search, tag, favourites, order), a page at a time. A new query starts over; a change
 * announced for characters reloads from the first page, as many items as were shown.
 */
export function useLibraryPages(query: Omit<LibraryQuery, 'cursor' | 'limit'>): LibraryPages {
  const { api, engine } = useServices();
  const [state, setState] = useState<{ items: CharacterSummary[]; total: number; next: string | null; loaded: boolean; error: Error | null }>({
    items: [],
    total: 0,
    next: null,
    loaded: false,
    error: null,
  });
  const key = JSON.stringify(query);
  const call = useRef(0);
  const loading = useRef(false);
  const shown = useRef(0);
  shown.current = state.items.length;

  const loadFrom = useCallback(
    async (cursor: string | null, limit: number) => {
      const id = ++call.current;
      loading.current = true;
      try {
        const page = await api.library.page({ ...(JSON.parse(key) as LibraryQuery), ...(cursor && { cursor }), limit });
        if (id !== call.current) return;
        setState((prev) => ({
          items: cursor ? [...prev.items, ...page.items] : page.items,
          total: page.total,
          next: page.nextCursor,
          loaded: true,
          error: null,
        }));
      } catch (error) {
        if (id === call.current) setState((prev) => ({ ...prev, loaded: true, error: error as Error }));
      } finally {
        if (id === call.current) loading.current = false;
      }
    },
    [api, key],
  );

  const reload = useCallback(() => void loadFrom(null, Math.min(200, Math.max(LIBRARY_PAGE, shown.current))), [loadFrom]);

  // A layout effect: the page the grid paints from is asked for before the reads of the sections below it (recent
  // chats, groups, tags), whose effects run first otherwise (children's before their parent's) and whose answers the
  // server would make first.
  useLayoutEffect(() => {
    setState({ items: [], total: 0, next: null, loaded: false, error: null });
    void loadFrom(null, LIBRARY_PAGE);
  }, [loadFrom]);

  useEffect(
    () =>
      engine.subscribe((event) => {
        if (event.type === 'changed' && event.topics.some((topic) => topic === 'characters' || topic === ALL_TOPICS)) reload();
      }),
    [engine, reload],
  );

  const next = state.next;
  const loadMore = useCallback(() => {
    if (!loading.current && next) void loadFrom(next, LIBRARY_PAGE);
  }, [loadFrom, next]);

  return { items: state.items, total: state.total, loaded: state.loaded, error: state.error, hasMore: next !== null, loadMore, reload };
}
