import { createElement, lazy, type ComponentType } from 'react';

export interface LazyScreen {
  /** Renders the screen; suspends only while its code is still on the way. */
  Screen: ComponentType;
  /** Starts fetching the screen's code (once). */
  preload(): Promise<void>;
}

/**
 * A screen whose code is fetched on first visit. Unlike React.lazy alone, a screen whose code is already here
 * renders at once: React holds back the reveal of a suspended screen for up to 300 ms after its fallback showed,
 * so a screen preloaded at start-up (see screens.ts) must not suspend at all.
 */
export function lazyScreen(load: () => Promise<ComponentType>): LazyScreen {
  let loaded: ComponentType | undefined;
  let pending: Promise<void> | undefined;
  const preload = () =>
    (pending ??= load().then(
      (component) => {
        loaded = component;
      },
      (error: unknown) => {
        // A failed fetch (offline, a new deploy) may be retried on the next visit.
        pending = undefined;
        throw error;
      },
    ));
  const Suspending = lazy(async () => {
    await preload();
    return { default: loaded! };
  });
  function Screen() {
    return createElement(loaded ?? Suspending);
  }
  return { Screen, preload };
}
