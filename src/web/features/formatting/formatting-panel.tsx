import { nanoid } from 'nanoid';
import { useEffect, useState } from 'react';
import { ContextTemplate, InstructTemplate, NamesBehavior, type FormattingKind } from '../../../shared/api/text-formatting.js';
import { useFormatting, type FormattingState, type Listed } from './use-formatting.js';

type Template = InstructTemplate | ContextTemplate;

/** Multi-line fields: the story string and the texts shown to the model. */
const LONG = new Set(['story_string', 'user_alignment_message']);
const LABELS: Record<string, string> = { story_string_position: 'story_string_position (0: before the chat)', story_string_role: 'story_string_role (0 system, 1 user, 2 assistant)' };

/** One template's fields, by its SillyTavern keys (what its JSON file holds), each by its type. */
function TemplateFields({ value, onChange }: { value: Template; onChange(next: Template): void }) {
  const set = (key: string, v: unknown) => onChange({ ...value, [key]: v } as Template);
  return (
    <div className="editor-columns formatting-fields">
      {Object.entries(value).map(([key, v]) => {
        if (typeof v === 'boolean') {
          return (
            <label key={key} className="row checkbox">
              <input type="checkbox" checked={v} onChange={(e) => set(key, e.target.checked)} />
              {key}
            </label>
          );
        }
        return (
          <label key={key} className="field">
            <span>{LABELS[key] ?? key}</span>
            {key === 'names_behavior' ? (
              <select value={String(v)} onChange={(e) => set(key, e.target.value)}>
                {NamesBehavior.options.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            ) : key === 'name' ? (
              <input value={String(v)} maxLength={200} onChange={(e) => set(key, e.target.value)} />
            ) : typeof v === 'number' ? (
              <input type="number" step={1} value={v} onChange={(e) => set(key, Number(e.target.value))} />
            ) : (
              <textarea rows={LONG.has(key) ? 8 : 1} spellCheck={false} value={String(v)} onChange={(e) => set(key, e.target.value)} />
            )}
          </label>
        );
      })}
    </div>
  );
}

function TemplateList({ kind, title, items, state }: { kind: 'instruct' | 'context'; title: string; items: Listed<Template>[]; state: FormattingState }) {
  const schema = kind === 'instruct' ? InstructTemplate : ContextTemplate;
  const fallback = state.defaults?.[kind] ?? '';
  const chosen = state.active[kind] ?? '';
  const [selected, setSelected] = useState<string>('');
  const [draft, setDraft] = useState<Template | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const current = items.find((t) => t.id === selected) ?? items[0];
  useEffect(() => {
    setDraft(current ? current.template : null);
    setProblem(null);
  }, [current?.id, current?.template]);

  async function save(asCopy: boolean) {
    const parsed = schema.safeParse(draft);
    if (!parsed.success) return setProblem(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const id = asCopy || !current || current.bundled ? nanoid() : current.id;
    const value = asCopy || current?.bundled ? { ...parsed.data, name: `${parsed.data.name} (copy)` } : parsed.data;
    await state.save(kind, id, value);
    setSelected(id);
  }

  async function importPicked(file: File | undefined) {
    if (!file) return;
    setProblem(await state.importFile(kind, file));
  }

  return (
    <fieldset className="editor-group">
      <legend>{title}</legend>
      <label className="field">
        <span>
          Used by connections that name none <span className="field-hint">text completion and model files</span>
        </span>
        <select value={chosen} onChange={(e) => void state.setDefault(kind, e.target.value || null)}>
          <option value="">Parley's default ({items.find((t) => t.id === fallback)?.template.name ?? fallback})</option>
          {items.map((t) => (
            <option key={t.id} value={t.id}>
              {t.template.name}
            </option>
          ))}
        </select>
      </label>
      <div className="row">
        <select aria-label={`${title} to edit`} value={current?.id ?? ''} onChange={(e) => setSelected(e.target.value)}>
          {items.map((t) => (
            <option key={t.id} value={t.id}>
              {t.template.name}
              {t.bundled ? ' (bundled)' : ''}
            </option>
          ))}
        </select>
        <label className="button">
          Import SillyTavern JSON
          <input type="file" accept=".json,application/json" hidden onChange={(e) => void importPicked(e.target.files?.[0])} />
        </label>
        {current && (
          <a className="button" href={state.exportUrl(kind, current.id)} download>
            Export JSON
          </a>
        )}
      </div>
      {draft && (
        <details>
          <summary>Edit {draft.name}</summary>
          <TemplateFields value={draft} onChange={setDraft} />
          <div className="row">
            {current && !current.bundled && <button type="button" className="primary" onClick={() => void save(false)}>Save</button>}
            <button type="button" onClick={() => void save(true)}>
              Save as a copy
            </button>
            {current && !current.bundled && (
              <button type="button" onClick={() => void state.remove(kind, current.id)}>
                Delete
              </button>
            )}
          </div>
        </details>
      )}
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}

function SamplerPresetList({ state }: { state: FormattingState }) {
  const [problem, setProblem] = useState<string | null>(null);
  const kind: FormattingKind = 'sampler';
  return (
    <fieldset className="editor-group">
      <legend>Sampler presets</legend>
      <p className="muted">Saved from a connection's form (Save as preset) or imported; a new connection starts from the default one.</p>
      <label className="field">
        <span>Default for new connections</span>
        <select value={state.active.sampler ?? ''} onChange={(e) => void state.setDefault(kind, e.target.value || null)}>
          <option value="">None</option>
          {state.presets.map((p) => (
            <option key={p.id} value={p.id}>
              {p.preset.name}
            </option>
          ))}
        </select>
      </label>
      <ul className="formatting-presets">
        {state.presets.map((p) => (
          <li key={p.id} className="row">
            <span>{p.preset.name}</span>
            <a className="button" href={state.exportUrl(kind, p.id)} download>
              Export JSON
            </a>
            <button type="button" onClick={() => void state.remove(kind, p.id)}>
              Delete
            </button>
          </li>
        ))}
      </ul>
      <label className="button">
        Import SillyTavern JSON
        <input type="file" accept=".json,application/json" hidden onChange={async (e) => e.target.files?.[0] && setProblem(await state.importFile(kind, e.target.files[0]))} />
      </label>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
}

/** Settings: text completion's instruct and context templates and the sampler presets. */
export function FormattingPanel() {
  const state = useFormatting();
  if (!state.loaded) return null;
  return (
    <section className="stack formatting-panel">
      <h2>Text completion formatting</h2>
      <TemplateList kind="instruct" title="Instruct templates" items={state.instruct} state={state} />
      <TemplateList kind="context" title="Context templates" items={state.context} state={state} />
      <SamplerPresetList state={state} />
    </section>
  );
}
