import { useCallback, useEffect, useRef, useState } from 'react';
import { ALL_TOPICS } from '../sync/server-events.js';
import { useServices } from './services.js';

export interface Resource<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads something from the server and loads it again whenever the save path reports a change to one of its
 * topics (a save acknowledged here, in another tab, or announced by the server). Stale answers are ignored.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, topics: readonly string[], key: string): Resource<T> {
  const { engine } = useServices();
  const [state, setState] = useState<{ data: T | undefined; error: Error | null; loading: boolean; key: string }>({
    data: undefined,
    error: null,
    loading: true,
    key,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const [generation, setGeneration] = useState(0);
  // Counted at once, not at the next render: an answer that lands after a reload was asked for is already stale.
  const requested = useRef(0);
  const reload = useCallback(() => {
    requested.current += 1;
    setGeneration((n) => n + 1);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    const current = requested.current;
    const fresh = () => !controller.signal.aborted && current === requested.current;
    setState((prev) => ({ ...prev, loading: true, ...(prev.key !== key && { data: undefined, error: null, key }) }));
    loadRef.current(controller.signal).then(
      (data) => fresh() && setState({ data, error: null, loading: false, key }),
      (error: unknown) =>
        fresh() &&
        setState((prev) => ({ ...prev, error: error instanceof Error ? error : new Error(String(error)), loading: false })),
    );
    return () => controller.abort();
  }, [key, generation]);

  const topicList = topics.join('\n');
  useEffect(() => {
    const wanted = new Set([...topicList.split('\n'), ALL_TOPICS]);
    return engine.subscribe((event) => {
      if (event.type === 'changed' && event.topics.some((topic) => wanted.has(topic))) reload();
    });
  }, [engine, topicList, reload]);

  const current = state.key === key ? state : { data: undefined, error: null, loading: true };
  return { data: current.data, error: current.error, loading: current.loading, reload };
}
