import { nanoid } from 'nanoid';
import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { CHARACTER_STRATEGIES, type WorldInfoSettings } from '../../../shared/api/world-info-settings.js';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../ui/services.js';
import { useWorldInfoSettings } from './use-world-info-settings.js';
import { useWorlds } from './use-worlds.js';
import './worlds.css';

const STRATEGY_LABELS: Record<(typeof CHARACTER_STRATEGIES)[number], string> = {
  evenly: 'Evenly (by order)',
  character_first: "Character's books first",
  global_first: 'Global books first',
};

/** /worlds: the user's books (import, create, open), which are active in every chat, and how scanning works. */
export function WorldsPage() {
  const { api, engine } = useServices();
  const navigate = useNavigate();
  const { worlds, loaded, reload } = useWorlds();
  const { settings, change } = useWorldInfoSettings();
  const [problem, setProblem] = useState<string | null>(null);
  const [name, setName] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);

  async function importFiles(files: FileList | null) {
    setProblem(null);
    for (const file of files ? [...files] : []) {
      try {
        await api.worlds.import(file);
      } catch (error) {
        setProblem(`${file.name}: ${error instanceof RequestError ? error.message : String(error)}`);
      }
    }
    if (fileInput.current) fileInput.current.value = '';
    // The server announces the new books to other tabs; this one asks again itself.
    reload();
  }

  async function create(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    if (worlds.some((w) => w.name === trimmed)) {
      setProblem(`There is already a book named "${trimmed}".`);
      return;
    }
    const id = nanoid();
    await engine.enqueue({ kind: 'world-create', request: { id, name: trimmed } });
    setName('');
    void navigate(`/worlds/${id}`);
  }

  return (
    <div className="worlds-page stack">
      <header className="worlds-head row">
        <h1>World info</h1>
        <span className="spacer" />
        <button type="button" onClick={() => fileInput.current?.click()}>
          Import book
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          multiple
          className="visually-hidden"
          aria-label="Lorebook files to import"
          onChange={(event) => void importFiles(event.target.files)}
        />
      </header>
      <p className="muted">
        Lorebooks add their entries to the prompt when their keys come up in the chat. SillyTavern world files, NovelAI,
        Agnai and RisuAI lorebooks can be imported.
      </p>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      <form className="row new-book" onSubmit={create}>
        <input value={name} maxLength={200} placeholder="New book name" aria-label="New book name" onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="primary" disabled={!name.trim()}>
          Create book
        </button>
      </form>
      {!loaded && <p className="muted">Loading…</p>}
      {loaded && worlds.length === 0 && <p className="muted">No books yet.</p>}
      <ul className="book-list">
        {worlds.map((world) => (
          <li key={world.id} className="book-row row">
            <Link to={`/worlds/${world.id}`} className="book-name">
              {world.name}
            </Link>
            <span className="muted">{world.entryCount.toLocaleString()} entries</span>
            <span className="spacer" />
            <label className="row checkbox">
              <input
                type="checkbox"
                checked={settings.globalBooks.includes(world.name)}
                onChange={(event) =>
                  change({
                    globalBooks: event.target.checked ? [...settings.globalBooks, world.name] : settings.globalBooks.filter((n) => n !== world.name),
                  })
                }
              />
              Active in every chat
            </label>
          </li>
        ))}
      </ul>
      <ScanSettings settings={settings} onChange={change} />
    </div>
  );
}

function ScanSettings({ settings, onChange }: { settings: WorldInfoSettings; onChange(partial: Partial<WorldInfoSettings>): void }) {
  const number = (key: keyof WorldInfoSettings, label: string, hint: string, min: number, max: number) => (
    <label className="field">
      <span>
        {label} <span className="field-hint">{hint}</span>
      </span>
      <input
        type="number"
        min={min}
        max={max}
        value={String(settings[key])}
        onChange={(event) => {
          const value = Number(event.target.value);
          if (Number.isFinite(value) && value >= min && value <= max) onChange({ [key]: value });
        }}
      />
    </label>
  );
  const flag = (key: keyof WorldInfoSettings, label: string) => (
    <label className="row checkbox">
      <input type="checkbox" checked={settings[key] === true} onChange={(event) => onChange({ [key]: event.target.checked })} />
      {label}
    </label>
  );
  return (
    <fieldset className="editor-group scan-settings">
      <legend>How books are scanned</legend>
      <div className="settings-grid">
        {number('scanDepth', 'Scan depth', 'messages', 0, 1000)}
        {number('budgetPercent', 'Budget', '% of the prompt', 1, 100)}
        {number('budgetCap', 'Budget cap', 'tokens, 0: none', 0, 1_000_000)}
        {number('minActivations', 'Min activations', '0: off', 0, 1000)}
        {number('minActivationsDepthMax', 'Max depth for it', '0: whole chat', 0, 1000)}
        {number('maxRecursionSteps', 'Recursion steps', '0: no limit', 0, 100)}
        <label className="field">
          <span>Order of books</span>
          <select value={settings.characterStrategy} onChange={(event) => onChange({ characterStrategy: event.target.value as WorldInfoSettings['characterStrategy'] })}>
            {CHARACTER_STRATEGIES.map((s) => (
              <option key={s} value={s}>
                {STRATEGY_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="row wrap">
        {flag('recursive', 'Recursive scan')}
        {flag('includeNames', 'Include names')}
        {flag('caseSensitive', 'Case-sensitive keys')}
        {flag('matchWholeWords', 'Match whole words')}
        {flag('useGroupScoring', 'Group scoring')}
      </div>
    </fieldset>
  );
}
