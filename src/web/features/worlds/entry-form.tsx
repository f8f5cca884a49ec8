import { useEffect, useRef, useState } from 'react';
import { keysText, parseKeysText } from './keys-text.js';

type Entry = Record<string, unknown>;

export const POSITION_LABELS = [
  '↑ Before character',
  '↓ After character',
  "↑ Top of Author's Note",
  "↓ Bottom of Author's Note",
  '@ Depth',
  '↑ Before examples',
  '↓ After examples',
  '➜ Outlet',
] as const;
const LOGIC_LABELS = ['AND ANY', 'NOT ALL', 'NOT ANY', 'AND ALL'] as const;
const ROLE_LABELS = ['System', 'User', 'Assistant'] as const;

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
/** Three states for an override: on, off, or the global setting (null). */
const triState = (v: unknown) => (v === true ? 'yes' : v === false ? 'no' : 'default');

/** How long typing pauses before an edit goes to the outbox. */
const SAVE_AFTER_MS = 700;

/**
 * Every field of one entry, as SillyTavern's editor has them. Edits show at once and go to the outbox as the
 * whole entry (unknown keys kept) when typing pauses, when a field loses focus, or when another entry is opened.
 */
export function EntryForm({
  uid,
  entry,
  onSave,
  onDelete,
  onClose,
}: {
  uid: string;
  entry: Entry;
  onSave(entry: Entry): void;
  onDelete(): void;
  onClose(): void;
}) {
  const [draft, setDraft] = useState(entry);
  const dirty = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef({ draft, onSave });
  latest.current = { draft, onSave };

  const flush = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (!dirty.current) return;
    dirty.current = false;
    latest.current.onSave(latest.current.draft);
  };
  // Opening another entry (or leaving) saves what was typed.
  useEffect(() => flush, [uid]);

  const set = (patch: Entry) => {
    setDraft((d) => ({ ...d, ...patch }));
    dirty.current = true;
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(flush, SAVE_AFTER_MS);
  };
  const position = num(draft.position, 0);
  const numberField = (key: string, label: string, fallback: number, hint?: string, nullable = false) => (
    <label className="field">
      <span>
        {label} {hint && <span className="field-hint">{hint}</span>}
      </span>
      <input
        type="number"
        value={draft[key] === null || draft[key] === undefined ? (nullable ? '' : String(fallback)) : String(draft[key])}
        onChange={(event) => {
          const text = event.target.value;
          if (text === '' && nullable) set({ [key]: null });
          else if (Number.isFinite(Number(text))) set({ [key]: Number(text) });
        }}
        onBlur={flush}
      />
    </label>
  );
  const checkbox = (key: string, label: string) => (
    <label className="row checkbox">
      <input type="checkbox" checked={draft[key] === true} onChange={(event) => set({ [key]: event.target.checked })} onBlur={flush} />
      {label}
    </label>
  );
  const override = (key: string, label: string) => (
    <label className="field">
      <span>{label}</span>
      <select
        value={triState(draft[key])}
        onChange={(event) => set({ [key]: event.target.value === 'default' ? null : event.target.value === 'yes' })}
        onBlur={flush}
      >
        <option value="default">Global setting</option>
        <option value="yes">Yes</option>
        <option value="no">No</option>
      </select>
    </label>
  );
  const filter = (draft.characterFilter ?? {}) as { names?: unknown; tags?: unknown; isExclude?: unknown };

  return (
    <form className="entry-form stack" onSubmit={(event) => event.preventDefault()} aria-label={`Entry ${uid}`}>
      <div className="row wrap">
        <h2 className="entry-form-title">Entry {uid}</h2>
        <span className="spacer" />
        <label className="row checkbox">
          <input type="checkbox" checked={draft.disable !== true} onChange={(event) => set({ disable: !event.target.checked })} onBlur={flush} />
          Enabled
        </label>
        <button type="button" className="danger" onClick={onDelete}>
          Delete
        </button>
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </div>
      <label className="field">
        <span>Title</span>
        <input value={str(draft.comment)} onChange={(event) => set({ comment: event.target.value })} onBlur={flush} />
      </label>
      <KeysField label="Keys" hint="comma-separated; /regex/flags allowed" keys={strings(draft.key)} onChange={(key) => set({ key })} onBlur={flush} />
      <div className="entry-grid">
        <label className="field">
          <span>Secondary keys logic</span>
          <select value={num(draft.selectiveLogic, 0)} onChange={(event) => set({ selectiveLogic: Number(event.target.value), selective: true })} onBlur={flush}>
            {LOGIC_LABELS.map((label, i) => (
              <option key={label} value={i}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {checkbox('selective', 'Use secondary keys')}
      </div>
      <KeysField label="Secondary keys" hint="optional filter" keys={strings(draft.keysecondary)} onChange={(keysecondary) => set({ keysecondary })} onBlur={flush} />
      <label className="field">
        <span>Content</span>
        <textarea rows={8} value={str(draft.content)} onChange={(event) => set({ content: event.target.value })} onBlur={flush} />
      </label>
      <div className="entry-grid">
        <label className="field">
          <span>Position</span>
          <select value={position} onChange={(event) => set({ position: Number(event.target.value) })} onBlur={flush}>
            {POSITION_LABELS.map((label, i) => (
              <option key={label} value={i}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {position === 4 && numberField('depth', 'Depth', 4, 'messages from the end')}
        {position === 4 && (
          <label className="field">
            <span>Role</span>
            <select value={num(draft.role, 0)} onChange={(event) => set({ role: Number(event.target.value) })} onBlur={flush}>
              {ROLE_LABELS.map((label, i) => (
                <option key={label} value={i}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        )}
        {position === 7 && (
          <label className="field">
            <span>
              Outlet name <span className="field-hint">read by {'{{outlet::name}}'}</span>
            </span>
            <input value={str(draft.outletName)} onChange={(event) => set({ outletName: event.target.value })} onBlur={flush} />
          </label>
        )}
        {numberField('order', 'Order', 100, 'higher goes later, wins the budget')}
        {numberField('probability', 'Probability %', 100)}
        {numberField('scanDepth', 'Scan depth', 0, 'blank: global', true)}
      </div>
      <div className="row wrap">
        {checkbox('constant', 'Constant (always)')}
        {checkbox('useProbability', 'Use probability')}
        {checkbox('excludeRecursion', 'Non-recursable')}
        {checkbox('preventRecursion', 'Prevent further recursion')}
      </div>
      <div className="entry-grid">
        {override('caseSensitive', 'Case-sensitive')}
        {override('matchWholeWords', 'Whole words')}
        {override('useGroupScoring', 'Group scoring')}
        {numberField('delayUntilRecursion', 'Delay until recursion', 0, 'level; 0 off')}
      </div>
      <fieldset className="editor-group">
        <legend>Inclusion group</legend>
        <div className="entry-grid">
          <label className="field">
            <span>
              Groups <span className="field-hint">comma-separated</span>
            </span>
            <input value={str(draft.group)} onChange={(event) => set({ group: event.target.value })} onBlur={flush} />
          </label>
          {numberField('groupWeight', 'Group weight', 100)}
          {checkbox('groupOverride', 'Prioritise')}
        </div>
      </fieldset>
      <fieldset className="editor-group">
        <legend>Timed effects (messages)</legend>
        <div className="entry-grid">
          {numberField('sticky', 'Sticky', 0)}
          {numberField('cooldown', 'Cooldown', 0)}
          {numberField('delay', 'Delay', 0)}
        </div>
      </fieldset>
      <fieldset className="editor-group">
        <legend>Only for characters</legend>
        <div className="entry-grid">
          <KeysField
            label="Character file names"
            hint="comma-separated"
            keys={strings(filter.names)}
            onChange={(names) => set({ characterFilter: { ...filter, names } })}
            onBlur={flush}
          />
          <KeysField label="Tags" hint="comma-separated" keys={strings(filter.tags)} onChange={(tags) => set({ characterFilter: { ...filter, tags } })} onBlur={flush} />
          <label className="row checkbox">
            <input
              type="checkbox"
              checked={filter.isExclude === true}
              onChange={(event) => set({ characterFilter: { ...filter, isExclude: event.target.checked } })}
              onBlur={flush}
            />
            Exclude them instead
          </label>
        </div>
      </fieldset>
      <label className="field">
        <span>Automation id</span>
        <input value={str(draft.automationId)} onChange={(event) => set({ automationId: event.target.value })} onBlur={flush} />
      </label>
    </form>
  );
}

/** A key list typed as text; parsed when the field is left, so a half-typed regex is not split on its commas. */
function KeysField({ label, hint, keys, onChange, onBlur }: { label: string; hint: string; keys: string[]; onChange(keys: string[]): void; onBlur(): void }) {
  const [text, setText] = useState(keysText(keys));
  return (
    <label className="field">
      <span>
        {label} <span className="field-hint">{hint}</span>
      </span>
      <input
        value={text}
        onChange={(event) => {
          setText(event.target.value);
          onChange(parseKeysText(event.target.value));
        }}
        onBlur={onBlur}
      />
    </label>
  );
}
