import { cardRegexScripts } from '../../../shared/api/regex-scripts.js';
import { RecentChats } from '../recent/recent-chats.js';
import { useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { DuplicateCardDetails, type CharacterSummary } from '../../../shared/api/characters.js';
import { LIBRARY_SORTS, LibrarySort } from '../../../shared/api/library.js';
import { RequestError } from '../../api/request-error.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { useServices } from '../../ui/services.js';
import { usePendingChanges } from '../../ui/use-pending-changes.js';
import { useResource } from '../../ui/use-resource.js';
import { ConnectModelPanel } from '../connections/connect-model-panel.js';
import { useConnections } from '../connections/use-connections.js';
import { useSettings } from '../settings/use-settings.js';
import { GroupsSection } from '../groups/groups-section.js';
import { DuplicateCardDialog, type DuplicateAnswer } from './duplicate-card-dialog.js';
import { FavouriteToggle } from './favourite-toggle.js';
import { ImportNotes } from './import-notes.js';
import { LibraryGrid } from './library-grid.js';
import { useLibraryPages } from './use-library-pages.js';
import { useFileImport } from './use-file-import.js';
import './characters.css';

/** Typing pauses this long before the library is asked again. */
const SEARCH_PAUSE_MS = 150;

/** What became of one card file. */
interface CardImport {
  name: string;
  outcome: 'imported' | 'replaced' | 'skipped';
  /** Regex scripts the card carries: they run only once allowed on the character's page. */
  regexScripts?: number;
}

const importText = (result: CardImport) =>
  `${OUTCOME_TEXT[result.outcome]} ${result.name}` +
  (result.regexScripts ? ` — its card has ${result.regexScripts} regex script(s), off until you allow them on its page` : '');

const OUTCOME_TEXT = { imported: 'Imported', replaced: 'Replaced', skipped: 'Did not import' } as const;

/** The refusal of a card already in the library, with the characters it matched; null for any other error. */
function duplicateOf(error: unknown): DuplicateCardDetails | null {
  if (!(error instanceof RequestError) || error.status !== 409) return null;
  const details = DuplicateCardDetails.safeParse(error.details);
  return details.success ? details.data : null;
}

export function LibraryPage() {
  const { api, engine } = useServices();
  const [params, setParams] = useSearchParams();
  const sortParam = LibrarySort.safeParse(params.get('sort'));
  const sort: LibrarySort = sortParam.success ? sortParam.data : 'recent';
  const favouritesOnly = params.get('favourites') === '1';
  const [deletedHere, setDeletedHere] = useState<ReadonlySet<string>>(new Set());
  const [query, setQuery] = useState('');
  const [searched, setSearched] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setSearched(query.trim()), SEARCH_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [query]);
  // A tag is a folder: it is in the address, so a folder can be linked to and comes back with "back".
  const tag = params.get('tag');
  const characters = useLibraryPages({
    ...(searched && { q: searched }),
    ...(tag && { tag }),
    ...(favouritesOnly && { favourites: '1' as const }),
    sort,
  });
  const tagList = useResource((signal) => api.library.tags(signal), ['characters'], 'library-tags');
  const pendingDeletes = usePendingChanges(
    (change) => (change.kind === 'character-delete' ? change.characterId : null),
    characters.items,
  );
  const pendingFavourites = usePendingChanges(
    (change) => (change.kind === 'character-favourite' ? change : null),
    characters.items,
  );
  const [deleting, setDeleting] = useState<CharacterSummary | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [bulkTag, setBulkTag] = useState('');
  const [bulkProblem, setBulkProblem] = useState<string | null>(null);
  const [deletingSelected, setDeletingSelected] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [copying, setCopying] = useState<string | null>(null);
  const [question, setQuestion] = useState<{ fileName: string; details: DuplicateCardDetails; answer(a: DuplicateAnswer): void } | null>(null);
  const [dragging, setDragging] = useState(false);
  const connections = useConnections(useSettings());
  const fileInput = useRef<HTMLInputElement>(null);

  // A card whose name is already here is not doubled silently: the user is asked, then the import goes on.
  async function importOne(file: File): Promise<CardImport> {
    try {
      const imported = await api.characters.import(file, { ask: true });
      return { name: imported.name, outcome: 'imported', regexScripts: cardRegexScripts(imported.card?.data.extensions).length };
    } catch (error) {
      const details = duplicateOf(error);
      if (!details) throw error;
      const answer = await new Promise<DuplicateAnswer>((resolve) => setQuestion({ fileName: file.name, details, answer: resolve }));
      setQuestion(null);
      if (answer === 'skip') return { name: details.name, outcome: 'skipped' };
      const result = await api.characters.import(file, answer === 'keep' ? {} : answer);
      const regexScripts = cardRegexScripts(result.card?.data.extensions).length;
      return { name: result.name, outcome: answer === 'keep' ? 'imported' : 'replaced', regexScripts };
    }
  }
  const imports = useFileImport(importOne, importText, () => {
    characters.reload();
    tagList.reload();
  });

  const gone = useMemo(() => new Set([...pendingDeletes, ...deletedHere]), [pendingDeletes, deletedHere]);
  const favourites = new Map(pendingFavourites.map((change) => [change.characterId, change.favourite]));
  const shown = characters.items
    .filter((character) => !gone.has(character.id))
    .map((character) => ({ ...character, favourite: favourites.get(character.id) ?? character.favourite }));
  const filtered = searched !== '' || tag !== null || favouritesOnly;

  function setParam(key: string, value: string | null) {
    const next = new URLSearchParams(params);
    if (value === null) next.delete(key);
    else next.set(key, value);
    setParams(next, { replace: true });
  }

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

  const toggleSelected = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  async function tagSelected(change: 'add' | 'remove') {
    const tagName = bulkTag.trim();
    if (!tagName) return;
    setBulkProblem(null);
    try {
      await api.library.tag({ characterIds: [...selected], [change]: tagName });
      characters.reload();
      tagList.reload();
    } catch (error) {
      setBulkProblem(error instanceof RequestError ? error.message : 'The server could not be reached; try again.');
    }
  }

  async function exportSelected() {
    setBulkProblem(null);
    setExporting(true);
    try {
      const zip = await api.library.exportCards({ characterIds: [...selected] });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(zip);
      link.download = `parley-cards-${new Date().toISOString().slice(0, 10)}.zip`;
      link.click();
      // The download has its own copy once it started.
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
    } catch (error) {
      setBulkProblem(error instanceof RequestError ? error.message : 'The server could not be reached; try again.');
    } finally {
      setExporting(false);
    }
  }

  // Each delete goes through the outbox like a single one: it is saved even if the server is away just now.
  async function deleteSelected() {
    setDeletingSelected(false);
    const ids = [...selected];
    for (const characterId of ids) await engine.enqueue({ kind: 'character-delete', characterId });
    setDeletedHere((prev) => new Set([...prev, ...ids]));
    setSelected(new Set());
  }

  async function duplicate(character: CharacterSummary) {
    setCopying(character.id);
    try {
      await api.characters.duplicate(character.id);
      characters.reload();
      tagList.reload();
    } finally {
      setCopying(null);
    }
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
          <Link className="button" to="/characters/new">
            New character
          </Link>
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
      <RecentChats />
      <div className="row library-filters">
        <input
          type="search"
          className="library-search"
          aria-label="Search characters"
          placeholder="Search by name, tag or creator"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        <label className="library-sort">
          <span className="muted">Sort</span>
          <select value={sort} onChange={(event) => setParam('sort', event.target.value === 'recent' ? null : event.target.value)}>
            {Object.entries(LIBRARY_SORTS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="tag"
          aria-pressed={favouritesOnly}
          onClick={() => setParam('favourites', favouritesOnly ? null : '1')}
        >
          ★ Favourites
        </button>
      </div>
      {imports.progress && (
        <div className="row import-progress" role="status">
          <progress max={imports.progress.total} value={imports.progress.done} aria-label="Import progress" />
          <span>
            Importing {imports.progress.done.toLocaleString()} of {imports.progress.total.toLocaleString()}…
          </span>
          <button type="button" onClick={imports.stop}>
            Stop
          </button>
        </div>
      )}
      {!imports.busy && imports.left.length > 0 && (
        <div className="row import-progress">
          <span>Stopped: {imports.left.length.toLocaleString()} files not imported yet.</span>
          <button type="button" className="primary" onClick={imports.resume}>
            Resume
          </button>
        </div>
      )}
      <ImportNotes notes={imports.notes} onDismiss={imports.dismiss} />
      {selected.size > 0 && (
        <div className="row bulk-bar" role="region" aria-label="Selected characters">
          <strong>{selected.size.toLocaleString()} selected</strong>
          <input
            aria-label="Tag for the selected characters"
            placeholder="Tag"
            value={bulkTag}
            maxLength={200}
            onChange={(event) => setBulkTag(event.target.value)}
          />
          <button type="button" disabled={!bulkTag.trim()} onClick={() => void tagSelected('add')}>
            Add tag
          </button>
          <button type="button" disabled={!bulkTag.trim()} onClick={() => void tagSelected('remove')}>
            Remove tag
          </button>
          <button type="button" disabled={exporting} onClick={() => void exportSelected()}>
            {exporting ? 'Exporting…' : 'Export cards'}
          </button>
          <button type="button" className="danger" onClick={() => setDeletingSelected(true)}>
            Delete
          </button>
          <button type="button" className="link-button" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
          {bulkProblem && <span className="form-problem">{bulkProblem}</span>}
        </div>
      )}
      <GroupsSection />
      {connections.loaded && connections.list.length === 0 && <ConnectModelPanel />}
      {tagList.data && tagList.data.length > 0 && (
        <div className="row tag-filter" aria-label="Filter by tag">
          {tagList.data.map(({ tag: name, count }) => (
            <button key={name} type="button" className="tag" aria-pressed={tag === name} onClick={() => setParam('tag', tag === name ? null : name)}>
              {name} <span className="tag-count">{count.toLocaleString()}</span>
            </button>
          ))}
        </div>
      )}
      {characters.loaded && characters.total > 0 && (
        <p className="muted library-count">
          {characters.total.toLocaleString()} {characters.total === 1 ? 'character' : 'characters'}
          {filtered && ' match'}
        </p>
      )}
      {!characters.loaded ? (
        <p className="muted">Loading characters…</p>
      ) : characters.total === 0 && !filtered ? (
        <div className="panel empty-library">
          <h2>No characters yet</h2>
          <p className="muted">
            Import a character card — a .png or .json from SillyTavern or a card site. Drop the file anywhere on this
            page, or choose it with “Import card”. Or make one with “New character”.
          </p>
        </div>
      ) : shown.length === 0 ? (
        <p className="muted">{favouritesOnly ? 'No favourite matches.' : 'No character matches.'}</p>
      ) : (
        <LibraryGrid
          items={shown}
          hasMore={characters.hasMore}
          onNearEnd={characters.loadMore}
          renderCard={(character) => (
            <>
              <input
                type="checkbox"
                className="card-select"
                aria-label={`Select ${character.name}`}
                checked={selected.has(character.id)}
                onChange={() => toggleSelected(character.id)}
              />
              {/* A click goes back into the story: the latest chat; the character's page is the "Details" link. */}
              <Link
                to={character.latestChatId ? `/chats/${character.latestChatId}` : `/characters/${character.id}`}
                className="character-open"
                title={character.latestChatId ? `Open the latest chat with ${character.name}` : `Open ${character.name}`}
              >
                {character.thumbnailUrl || character.avatarUrl ? (
                  <img src={character.thumbnailUrl ?? character.avatarUrl ?? ''} alt="" loading="lazy" />
                ) : (
                  <span className="character-letter" aria-hidden="true">
                    {character.name.charAt(0).toUpperCase()}
                  </span>
                )}
                <span className="character-name">{character.name}</span>
              </Link>
              <FavouriteToggle characterId={character.id} name={character.name} favourite={character.favourite} />
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
                <Link className="button link-button" to={`/characters/${character.id}`} aria-describedby={`name-${character.id}`}>
                  Details
                </Link>
                <a className="button link-button" href={api.characters.exportUrl(character.id, 'png')} download>
                  PNG
                </a>
                <a className="button link-button" href={api.characters.exportUrl(character.id, 'json')} download>
                  JSON
                </a>
                <button
                  type="button"
                  className="link-button"
                  aria-label={`Duplicate ${character.name}`}
                  disabled={copying === character.id}
                  onClick={() => void duplicate(character)}
                >
                  Copy
                </button>
                <button
                  type="button"
                  className="link-button danger"
                  aria-label={`Delete ${character.name}`}
                  onClick={() => setDeleting(character)}
                >
                  Delete
                </button>
                <span id={`name-${character.id}`} hidden>
                  {character.name}
                </span>
              </div>
            </>
          )}
        />
      )}
      {dragging && (
        <div className="drop-hint" aria-hidden="true">
          Drop .png or .json cards to import them
        </div>
      )}
      <DuplicateCardDialog
        key={question ? `${question.fileName}:${question.details.name}` : 'none'}
        question={question}
        onAnswer={(answer) => question?.answer(answer)}
      />
      <ConfirmDialog
        title="Delete characters"
        message={`Delete ${selected.size.toLocaleString()} ${selected.size === 1 ? 'character' : 'characters'} and their chats?`}
        confirmLabel="Delete"
        open={deletingSelected}
        onCancel={() => setDeletingSelected(false)}
        onConfirm={() => void deleteSelected()}
      />
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
