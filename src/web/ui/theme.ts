import { useSyncExternalStore } from 'react';

export type Theme = 'system' | 'light' | 'dark';

const KEY = 'parley:theme';
const listeners = new Set<() => void>();

/** Every control showing the theme (the top bar's toggle, Settings' radios) follows each change, wherever made. */
export function subscribeTheme(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function readTheme(): Theme {
  const value = localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

/** 'system' leaves the choice to prefers-color-scheme (the stylesheet's default). */
export function applyTheme(theme: Theme): void {
  if (theme === 'system') {
    delete document.documentElement.dataset.theme;
    localStorage.removeItem(KEY);
  } else {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(KEY, theme);
  }
  for (const listener of listeners) listener();
}

/** The theme chosen, kept current wherever it is changed. */
export const useTheme = (): Theme => useSyncExternalStore(subscribeTheme, readTheme);
