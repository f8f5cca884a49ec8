import { ListField } from './list-field.js';
import { TextField } from './text-field.js';

/** A character_book entry as the V2/V3 spec has it; keys Parley does not edit pass through untouched. */
export interface LoreEntry {
  keys: string[];
  content: string;
  enabled: boolean;
  insertion_order: number;
  comment?: string;
  constant?: boolean;
  extensions?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface LoreBook {
  entries: LoreEntry[];
  [key: string]: unknown;
}

/** Reads whatever the card holds into a book to edit; a missing or malformed book becomes an empty one. */
export function readBook(value: unknown): LoreBook {
  if (!value || typeof value !== 'object') return { entries: [] };
  const book = value as Record<string, unknown>;
  const entries = Array.isArray(book.entries) ? book.entries : [];
  return {
    ...book,
    entries: entries
      .filter((entry): entry is Record<string, unknown> => !!entry && typeof entry === 'object')
      .map((entry, index) => ({
        ...entry,
        keys: Array.isArray(entry.keys) ? entry.keys.filter((key): key is string => typeof key === 'string') : [],
        content: typeof entry.content === 'string' ? entry.content : '',
        enabled: entry.enabled !== false,
        insertion_order: typeof entry.insertion_order === 'number' ? entry.insertion_order : index,
      })),
  };
}

export function LorebookEditor({ book, onChange }: { book: LoreBook; onChange(book: LoreBook): void }) {
  const update = (index: number, patch: Partial<LoreEntry>) =>
    onChange({ ...book, entries: book.entries.map((entry, i) => (i === index ? { ...entry, ...patch } : entry)) });

  return (
    <fieldset className="editor-group">
      <legend>Lorebook entries</legend>
      {book.entries.length === 0 && <p className="muted">No entries. An entry adds its text when a key word comes up.</p>}
      <ol className="lore-entries">
        {book.entries.map((entry, index) => (
          <li key={index} className="lore-entry stack">
            <div className="row">
              <strong>Entry {index + 1}</strong>
              <span className="spacer" />
              <label className="row checkbox">
                <input
                  type="checkbox"
                  checked={entry.enabled}
                  onChange={(event) => update(index, { enabled: event.target.checked })}
                />
                Enabled
              </label>
              <label className="row checkbox">
                <input
                  type="checkbox"
                  checked={entry.constant === true}
                  onChange={(event) => update(index, { constant: event.target.checked })}
                />
                Always on
              </label>
              <button
                type="button"
                className="link-button danger"
                onClick={() => onChange({ ...book, entries: book.entries.filter((_, i) => i !== index) })}
              >
                Remove
              </button>
            </div>
            <TextField label="Title" value={entry.comment ?? ''} onChange={(comment) => update(index, { comment })} />
            <ListField label="Keys" hint="comma-separated" values={entry.keys} onChange={(keys) => update(index, { keys })} />
            <TextField label="Content" rows={4} value={entry.content} onChange={(content) => update(index, { content })} />
          </li>
        ))}
      </ol>
      <button
        type="button"
        onClick={() =>
          onChange({
            ...book,
            entries: [
              ...book.entries,
              { keys: [], content: '', enabled: true, insertion_order: book.entries.length, extensions: {} },
            ],
          })
        }
      >
        Add entry
      </button>
    </fieldset>
  );
}
