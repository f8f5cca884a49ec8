/**
 * Unsent text (the composer's per chat, an open card editor's), keyed by what it belongs to and written on
 * every keystroke. localStorage is synchronous, so the last
 * character typed is stored before the tab can close; a draft is small and never leaves this browser.
 */
export class DraftStore {
  readonly #storage: Storage;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  load(key: string): string {
    return this.#storage.getItem(storageKey(key)) ?? '';
  }

  save(key: string, text: string): void {
    if (text === '') this.#storage.removeItem(storageKey(key));
    else this.#storage.setItem(storageKey(key), text);
  }
}

const storageKey = (key: string) => `parley:draft:${key}`;
