import type { ImportNote } from './use-file-import.js';

export function ImportNotes({ notes, onDismiss }: { notes: ImportNote[]; onDismiss(id: number): void }) {
  if (notes.length === 0) return null;
  return (
    <ul className="import-notes" aria-label="Import results">
      {notes.map((note) => (
        <li key={note.id} className={note.ok ? 'import-ok' : 'import-failed'}>
          <span>{note.text}</span>
          <button type="button" className="link-button" aria-label="Dismiss" onClick={() => onDismiss(note.id)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
