import { useMemo, useRef, useState, type DragEvent } from 'react';
import { Link } from 'react-router';
import type { CharacterSummary } from '../../../shared/api/characters.js';
import { ConfirmDialog } from '../../app/confirm-dialog.js';
import { useServices } from '../../app/services.js';
import { usePendingChanges } from '../../app/use-pending-changes.js';
import { useResource } from '../../app/use-resource.js';
import { ConnectModelPanel } from '../connections/connect-model-panel.js';
import { useConnections } from '../connections/use-connections.js';
import { useSettings } from '../settings/use-settings.js';
import { ImportNotes } from './import-notes.js';
import { useFileImport } from './use-file-import.js';
import './characters.css';

function matches(character: CharacterSummary, query: string, tag: string | null): boolean {
  if (tag && !character.tags.includes(tag)) return false;
  if (!query) return true;
  const needle = query.toLowerCase();
  return [character.name, character.creator, ...character.tags].some((text) => text.toLowerCase().includes(needle));
}

export function LibraryPage() {
  const { api, engine } = useServices();
  const characters = useResource((signal) => api.characters.list(signal), ['characters'], 'characters');
  const pendingDeletes = usePendingChanges(
    (change) => (change.kind === 'character-delete' ? change.characterId : null),
    characters.data,
  );
  const [deletedHere, setDeletedHere] = useState<ReadonlySet<string>>(new Set());
  const [query, setQuery] = useState('');
  const [tag, setTag] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<CharacterSummary | null>(null);
  const [dragging, setDragging] = useState(false);
  const connections = useConnections(useSettings());
  const fileInput = useRef<HTMLInputElement>(null);
  const imports = useFileImport(
    (file) => api.characters.import(file),
    (result) => `Imported ${result.name}`,
    characters.reload,
  );

  const gone = useMemo(() => new Set([...pendingDeletes, ...deletedHere]), [pendingDeletes, deletedHere]);
  const all = (characters.data ?? []).filter((character) => !gone.has(character.id));
  const tags = useMemo(() => [...new Set(all.flatMap((character) => character.tags))].sort(), [all]);
  const shown = all.filter((character) => matches(character, query, tag));

  function drop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer.files.length > 0) void imports.importFiles(event.dataTransfer.files);
  }

  async function confirmDelete() {
    const character = deleting;
    setDeleting(null);
    if (!character) return;
    await engine.enqueue({ kind: 'character-delete', characterId: character.id });
    setDeletedHere((prev) => new Set([...prev, character.id]));
  }

  return (
    <div
      className={`library${dragging ? ' library-dragging' : ''}`}
      onDragOver={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return;
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDragging(false);
      }}
      onDrop={drop}
    >
      <div className="library-head">
        <h1>Characters</h1>
        <div className="row library-tools">
          <input
            type="search"
            className="library-search"
            aria-label="Search characters"
            placeholder="Search by name, tag or creator"
            value={query}
            onChange={(event) => setQuery(event.target.value)}
          />
          <button type="button" className="primary" disabled={imports.busy} onClick={() => fileInput.current?.click()}>
            {imports.busy ? 'Importing…' : 'Import card'}
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".png,.json,image/png,application/json"
            multiple
            hidden
            aria-label="Character card files"
            onChange={(event) => {
              if (event.target.files) void imports.importFiles([...event.target.files]);
              event.target.value = '';
            }}
          />
        </div>
      </div>
      <ImportNotes notes={imports.notes} onDismiss={imports.dismiss} />
      {connections.loaded && connections.list.length === 0 && <ConnectModelPanel />}
      {tags.length > 0 && (
        <div className="row tag-filter" aria-label="Filter by tag">
          {tags.map((name) => (
            <button
              key={name}
              type="button"
              className="tag"
              aria-pressed={tag === name}
              onClick={() => setTag(tag === name ? null : name)}
            >
              {name}
            </button>
          ))}
        </div>
      )}
      {characters.loading && !characters.data ? (
        <p className="muted">Loading characters…</p>
      ) : all.length === 0 ? (
        <div className="panel empty-library">
          <h2>No characters yet</h2>
          <p className="muted">
            Import a character card — a .png or .json from SillyTavern or a card site. Drop the file anywhere on this
            page, or choose it with “Import card”.
          </p>
        </div>
      ) : shown.length === 0 ? (
        <p className="muted">No character matches.</p>
      ) : (
        <ul className="character-grid" aria-label="Characters">
          {shown.map((character) => (
            <li key={character.id} className="character-card">
              <Link to={`/characters/${character.id}`} className="character-open">
                {character.thumbnailUrl || character.avatarUrl ? (
                  <img src={character.thumbnailUrl ?? character.avatarUrl ?? ''} alt="" loading="lazy" />
                ) : (
                  <span className="character-letter" aria-hidden="true">
                    {character.name.charAt(0).toUpperCase()}
                  </span>
                )}
                <span className="character-name">{character.name}</span>
              </Link>
              <div className="character-facts muted">
                {character.chatCount} {character.chatCount === 1 ? 'chat' : 'chats'}
                {character.creator && ` · ${character.creator}`}
              </div>
              {character.tags.length > 0 && (
                <div className="character-tags">
                  {character.tags.slice(0, 4).map((name) => (
                    <span key={name} className="tag">
                      {name}
                    </span>
                  ))}
                </div>
              )}
              <div className="character-actions">
                <a className="button link-button" href={api.characters.exportUrl(character.id, 'png')} download>
                  PNG
                </a>
                <a className="button link-button" href={api.characters.exportUrl(character.id, 'json')} download>
                  JSON
                </a>
                <button
                  type="button"
                  className="link-button danger"
                  aria-label={`Delete ${character.name}`}
                  onClick={() => setDeleting(character)}
                >
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {dragging && (
        <div className="drop-hint" aria-hidden="true">
          Drop .png or .json cards to import them
        </div>
      )}
      <ConfirmDialog
        title="Delete character"
        message={deleting ? `Delete ${deleting.name}? This cannot be undone.` : ''}
        confirmLabel="Delete"
        open={deleting !== null}
        onCancel={() => setDeleting(null)}
        onConfirm={() => void confirmDelete()}
      />
    </div>
  );
}
