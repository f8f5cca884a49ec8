import { useVirtualizer } from '@tanstack/react-virtual';
import { nanoid } from 'nanoid';
import { useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { newWorldEntry, nextFreeUid, type WorldEntryView, type WorldOp } from '../../../shared/api/worlds.js';
import { RequestError } from '../../api/request-error.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { useServices } from '../../ui/services.js';
import { EntryForm, POSITION_LABELS } from './entry-form.js';
import { useWorld, useWorlds } from './use-worlds.js';
import './worlds.css';

type WithoutOpId<T> = T extends unknown ? Omit<T, 'opId'> : never;
type Sort = 'order' | 'file' | 'title' | 'tokens';
type Filter = 'all' | 'enabled' | 'disabled' | 'constant' | 'regex';
const ROW_HEIGHT = 58;

const titleOf = (e: WorldEntryView) => {
  const comment = e.entry.comment;
  const keys = Array.isArray(e.entry.key) ? e.entry.key.filter((k): k is string => typeof k === 'string') : [];
  return (typeof comment === 'string' && comment) || keys[0] || `Entry ${e.uid}`;
};
const keysOf = (e: WorldEntryView) => (Array.isArray(e.entry.key) ? e.entry.key.filter((k): k is string => typeof k === 'string') : []);
const orderOf = (e: WorldEntryView) => (typeof e.entry.order === 'number' ? e.entry.order : 100);
const positionOf = (e: WorldEntryView) => (typeof e.entry.position === 'number' ? e.entry.position : 0);

/** /worlds/:id: a book's entries in a virtual list (fit for 50,000), searched, sorted, filtered, edited in bulk. */
export function WorldPage() {
  const { id = '' } = useParams();
  const { engine, api } = useServices();
  const navigate = useNavigate();
  const { world, error } = useWorld(id);
  const { worlds } = useWorlds();
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<Sort>('order');
  const [filter, setFilter] = useState<Filter>('all');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [open, setOpen] = useState<string | null>(null);
  const [moveTo, setMoveTo] = useState('');
  const [confirm, setConfirm] = useState<'book' | 'entries' | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const listRef = useRef<HTMLDivElement>(null);

  const send = (op: WithoutOpId<WorldOp>) => void engine.enqueue({ kind: 'world-op', worldId: id, op: { ...op, opId: nanoid() } as WorldOp });

  const shown = useMemo(() => {
    if (!world) return [];
    const needle = query.trim().toLowerCase();
    const list = world.entries.filter((e) => {
      if (filter === 'enabled' && e.entry.disable === true) return false;
      if (filter === 'disabled' && e.entry.disable !== true) return false;
      if (filter === 'constant' && e.entry.constant !== true) return false;
      if (filter === 'regex' && !keysOf(e).some((k) => /^\/.+\/[gimsuy]*$/.test(k))) return false;
      if (!needle) return true;
      const content = typeof e.entry.content === 'string' ? e.entry.content : '';
      return titleOf(e).toLowerCase().includes(needle) || keysOf(e).some((k) => k.toLowerCase().includes(needle)) || content.toLowerCase().includes(needle);
    });
    if (sort === 'order') list.sort((a, b) => orderOf(b) - orderOf(a));
    else if (sort === 'title') list.sort((a, b) => titleOf(a).localeCompare(titleOf(b)));
    else if (sort === 'tokens') list.sort((a, b) => b.tokens - a.tokens);
    return list;
  }, [world, query, sort, filter]);

  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => listRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  if (error instanceof RequestError && error.status === 404) {
    return (
      <div className="centered">
        <h1>This book is not here</h1>
        <Link to="/worlds">Back to World info</Link>
      </div>
    );
  }
  if (!world) return <p className="muted">Loading…</p>;
  const totalTokens = world.entries.reduce((sum, e) => sum + e.tokens, 0);
  const openEntry = open === null ? undefined : world.entries.find((e) => e.uid === open);
  const allShownSelected = shown.length > 0 && shown.every((e) => selected.has(e.uid));
  const selection = [...selected].filter((uid) => world.entries.some((e) => e.uid === uid));

  function addEntry() {
    const uid = nextFreeUid(new Set(world!.entries.map((e) => e.uid)));
    send({ type: 'putEntry', uid, entry: newWorldEntry(uid) });
    setOpen(uid);
  }

  return (
    <div className={`world-page${openEntry ? ' with-entry' : ''}`}>
      <header className="world-head stack">
        <div className="row wrap">
          <Link to="/worlds" className="muted">
            World info
          </Link>
          <span className="muted">/</span>
          {renaming === null ? (
            <h1 className="world-title">{world.name}</h1>
          ) : (
            <form
              className="row"
              onSubmit={(event) => {
                event.preventDefault();
                const name = renaming.trim();
                if (name && name !== world.name && !worlds.some((w) => w.name === name)) send({ type: 'rename', name });
                setRenaming(null);
              }}
            >
              <input autoFocus value={renaming} maxLength={200} aria-label="Book name" onChange={(event) => setRenaming(event.target.value)} />
              <button type="submit">Rename</button>
            </form>
          )}
          <span className="spacer" />
          {renaming === null && (
            <button type="button" className="link-button" onClick={() => setRenaming(world.name)}>
              Rename
            </button>
          )}
          <a className="button link-button" href={api.worlds.exportUrl(id)} download>
            Export
          </a>
          <button type="button" className="link-button danger" onClick={() => setConfirm('book')}>
            Delete book
          </button>
        </div>
        <p className="muted world-stats">
          {world.entries.length.toLocaleString()} entries · {totalTokens.toLocaleString()} tokens
          {shown.length !== world.entries.length && ` · ${shown.length.toLocaleString()} shown`}
        </p>
        <div className="row wrap world-tools">
          <input className="world-search" type="search" placeholder="Search titles, keys, content" aria-label="Search entries" value={query} onChange={(e) => setQuery(e.target.value)} />
          <select aria-label="Sort" value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
            <option value="order">Order (highest first)</option>
            <option value="file">File order</option>
            <option value="title">Title</option>
            <option value="tokens">Tokens (largest first)</option>
          </select>
          <select aria-label="Filter" value={filter} onChange={(e) => setFilter(e.target.value as Filter)}>
            <option value="all">All entries</option>
            <option value="enabled">Enabled</option>
            <option value="disabled">Disabled</option>
            <option value="constant">Constant</option>
            <option value="regex">With regex keys</option>
          </select>
          <button type="button" className="primary" onClick={addEntry}>
            New entry
          </button>
        </div>
        <div className="row wrap bulk-bar" aria-label="Selected entries">
          <label className="row checkbox">
            <input
              type="checkbox"
              checked={allShownSelected}
              onChange={(event) => setSelected(event.target.checked ? new Set([...selected, ...shown.map((e) => e.uid)]) : new Set())}
            />
            {selection.length > 0 ? `${selection.length.toLocaleString()} selected` : 'Select all shown'}
          </label>
          {selection.length > 0 && (
            <>
              <button type="button" onClick={() => send({ type: 'patchEntries', uids: selection, patch: { disable: false } })}>
                Enable
              </button>
              <button type="button" onClick={() => send({ type: 'patchEntries', uids: selection, patch: { disable: true } })}>
                Disable
              </button>
              <select aria-label="Move to book" value={moveTo} onChange={(e) => setMoveTo(e.target.value)}>
                <option value="">Move to…</option>
                {worlds
                  .filter((w) => w.id !== id)
                  .map((w) => (
                    <option key={w.id} value={w.id}>
                      {w.name}
                    </option>
                  ))}
              </select>
              <button
                type="button"
                disabled={!moveTo}
                onClick={() => {
                  send({ type: 'moveEntries', uids: selection, toWorldId: moveTo });
                  setSelected(new Set());
                  setMoveTo('');
                }}
              >
                Move
              </button>
              <button type="button" className="danger" onClick={() => setConfirm('entries')}>
                Delete
              </button>
            </>
          )}
        </div>
      </header>
      <div className="world-body">
        <div ref={listRef} className="entry-list" role="list" aria-label="Entries">
          {shown.length === 0 && <p className="muted entry-empty">{world.entries.length === 0 ? 'No entries yet.' : 'Nothing matches.'}</p>}
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const e = shown[item.index] as WorldEntryView;
              const disabled = e.entry.disable === true;
              return (
                <div
                  key={e.uid}
                  role="listitem"
                  className={`entry-row${open === e.uid ? ' open' : ''}${disabled ? ' disabled' : ''}`}
                  style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                >
                  <input
                    type="checkbox"
                    aria-label={`Select ${titleOf(e)}`}
                    checked={selected.has(e.uid)}
                    onChange={(event) => {
                      const next = new Set(selected);
                      if (event.target.checked) next.add(e.uid);
                      else next.delete(e.uid);
                      setSelected(next);
                    }}
                  />
                  <button type="button" className="entry-open" onClick={() => setOpen(open === e.uid ? null : e.uid)}>
                    <span className="entry-title">
                      {e.entry.constant === true && <span className="badge">constant</span>} {titleOf(e)}
                    </span>
                    <span className="entry-keys muted">{keysOf(e).join(', ') || '(no keys)'}</span>
                  </button>
                  <span className="entry-meta muted" title="Position · order · tokens">
                    {POSITION_LABELS[positionOf(e)]?.split(' ')[0]} {orderOf(e)} · {e.tokens}t
                  </span>
                  <input
                    type="checkbox"
                    className="entry-toggle"
                    aria-label={`${titleOf(e)} enabled`}
                    checked={!disabled}
                    onChange={(event) => send({ type: 'patchEntries', uids: [e.uid], patch: { disable: !event.target.checked } })}
                  />
                </div>
              );
            })}
          </div>
        </div>
        {openEntry && (
          <aside className="entry-panel panel">
            <EntryForm
              key={openEntry.uid}
              uid={openEntry.uid}
              entry={openEntry.entry}
              onSave={(entry) => send({ type: 'putEntry', uid: openEntry.uid, entry })}
              onClose={() => setOpen(null)}
              onDelete={() => {
                send({ type: 'deleteEntries', uids: [openEntry.uid] });
                setOpen(null);
              }}
            />
          </aside>
        )}
      </div>
      <ConfirmDialog
        open={confirm !== null}
        title={confirm === 'book' ? `Delete the book "${world.name}"?` : `Delete ${selection.length} entries?`}
        message={confirm === 'book' ? `Its ${world.entries.length} entries go with it.` : 'They cannot be brought back.'}
        confirmLabel="Delete"
        onCancel={() => setConfirm(null)}
        onConfirm={() => {
          if (confirm === 'book') {
            void engine.enqueue({ kind: 'world-delete', worldId: id });
            void navigate('/worlds');
          } else {
            send({ type: 'deleteEntries', uids: selection });
            setSelected(new Set());
          }
          setConfirm(null);
        }}
      />
    </div>
  );
}
