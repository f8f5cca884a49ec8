import filenamify from 'filenamify';

/** Long enough for any real title, short enough that folder + file stay far below path limits. */
const MAX_NAME_LENGTH = 100;

/**
 * File names for a zip made from user text (character names, chat titles): each is one safe path segment on
 * every OS (no "/", "\", "..", control or reserved characters, no leading dot, no Windows device name), and
 * unique in its folder ignoring case, as on Windows and macOS: a second "Seraphina" becomes "Seraphina (2)".
 */
export class ZipEntryNames {
  readonly #taken = new Map<string, Set<string>>();

  /** A free name in `folder` for `displayName`, without `extension` (which must be safe, e.g. ".png"). */
  claim(folder: string, displayName: string, extension: string): string {
    const base =
      filenamify(displayName.replace(/\.{2,}/g, '.').replace(/^[.\s]+/, ''), {
        replacement: '_',
        maxLength: MAX_NAME_LENGTH,
      }) || '_';
    let taken = this.#taken.get(folder);
    if (!taken) this.#taken.set(folder, (taken = new Set()));
    // At most taken.size + 1 tries: one of that many suffixes must be free.
    for (let n = 1; n <= taken.size + 1; n++) {
      const candidate = n === 1 ? base : `${base} (${n})`;
      const key = `${candidate}${extension}`.toLowerCase();
      if (!taken.has(key)) {
        taken.add(key);
        return candidate;
      }
    }
    throw new Error('unreachable: a free name always exists');
  }
}
