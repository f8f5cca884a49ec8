import { nanoid } from 'nanoid';
import { useRef, useState, type ChangeEvent } from 'react';
import {
  activationPatch,
  FORMAT_DEFAULTS,
  INJECTION_IN_CHAT,
  MARKERS,
  orderedPrompts,
  PROMPT_MANAGER_KEY,
  promptManagerOf,
  type FormatField,
  type ManagedPrompt,
  type PromptManagerPreset,
  type PromptOrderEntry,
} from '../../../shared/api/prompt-manager.js';
import { promptSettingsOf } from '../../../shared/api/prompt-settings.js';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../ui/services.js';
import type { SettingsState } from '../settings/use-settings.js';
import { DraftField } from './draft-field.js';

/** Prompts whose text lives elsewhere in the settings (the system prompt in use, the post-history instructions). */
const TEXT_ELSEWHERE: Record<string, string> = {
  main: 'Its text is the system prompt in use (above).',
  jailbreak: 'Its text is the post-history instructions (above).',
};
const FORMAT_LABELS: Array<[FormatField, string]> = [
  ['new_chat_prompt', 'Before the chat history'],
  ['new_example_chat_prompt', 'Before each example chat'],
  ['wi_format', 'World info ({0} is the text)'],
  ['scenario_format', 'Scenario'],
  ['personality_format', 'Personality'],
  ['send_if_empty', 'User turn when the chat ends with the character'],
];

/**
 * The prompt manager: which SillyTavern chat-completion preset lays out the prompt of message APIs (none: Parley's
 * default), and its prompts in order, each on or off, with its role and place (in the list, or in the chat at a
 * depth). Presets come in and go out as SillyTavern files; edits go through the settings patch.
 */
export function PromptManagerPanel({ settings }: { settings: SettingsState }) {
  const { api } = useServices();
  const manager = promptManagerOf(settings.values);
  const preset = manager.active ? (manager.presets[manager.active] ?? null) : null;
  const [problem, setProblem] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const disabled = !settings.loaded;

  const choose = (id: string) => {
    const chosen = manager.presets[id];
    void settings.patch(chosen ? activationPatch(promptSettingsOf(settings.values), chosen) : { [PROMPT_MANAGER_KEY]: { active: null } });
  };
  const save = (change: Partial<PromptManagerPreset>) =>
    preset && void settings.patch({ [PROMPT_MANAGER_KEY]: { presets: { [preset.id]: change } } });
  const remove = () =>
    preset && void settings.patch({ [PROMPT_MANAGER_KEY]: { presets: { [preset.id]: null }, active: null } });

  async function importFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setProblem(null);
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch {
      setProblem(`${file.name} is not JSON.`);
      return;
    }
    try {
      await api.settings.importPromptPreset({ id: nanoid(), name: file.name.replace(/\.json$/i, '') || 'Imported preset', preset: json, activate: true });
      settings.reload();
    } catch (error) {
      setProblem(error instanceof RequestError ? error.message : 'The server could not be reached.');
    }
  }

  return (
    <fieldset className="editor-group prompt-manager" disabled={disabled}>
      <legend>Prompt manager (chat completion)</legend>
      <div className="row">
        <label className="field grow">
          <span>Preset</span>
          <select value={preset?.id ?? ''} onChange={(e) => choose(e.target.value)}>
            <option value="">Parley's default order</option>
            {Object.values(manager.presets).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => fileInput.current?.click()}>
          Import…
        </button>
        {preset && (
          <>
            <a className="button" href={api.settings.promptPresetExportUrl(preset.id)} download>
              Export
            </a>
            <button type="button" onClick={remove}>
              Delete
            </button>
          </>
        )}
        <input ref={fileInput} type="file" accept=".json,application/json" hidden onChange={(e) => void importFile(e)} />
      </div>
      {problem && <p className="form-problem">{problem}</p>}
      {!preset && <p className="muted">SillyTavern's chat-completion presets (OpenAI Settings/*.json) can be imported here.</p>}
      {preset && (
        <PromptList
          preset={preset}
          latest={() => promptManagerOf(settings.current()).presets[preset.id] ?? preset}
          editing={editing}
          onEdit={setEditing}
          onSave={save}
        />
      )}
      {preset && (
        <details>
          <summary>Formats</summary>
          <label className="row checkbox">
            <input
              type="checkbox"
              checked={preset.settings.squash_system_messages === true}
              onChange={(e) => save({ settings: { squash_system_messages: e.target.checked } })}
            />
            Join neighbouring system messages into one
          </label>
          {FORMAT_LABELS.map(([field, label]) => (
            <DraftField
              key={`${preset.id}-${field}`}
              label={label}
              value={typeof preset.settings[field] === 'string' ? (preset.settings[field] as string) : FORMAT_DEFAULTS[field]}
              onCommit={(value) => save({ settings: { [field]: value } })}
            />
          ))}
        </details>
      )}
    </fieldset>
  );
}

interface PromptListProps {
  preset: PromptManagerPreset;
  /** The preset with this tab's changes not yet shown: what the next change (a whole array) is made from. */
  latest(): PromptManagerPreset;
  editing: string | null;
  onEdit(identifier: string | null): void;
  onSave(change: Partial<PromptManagerPreset>): void;
}

function PromptList({ preset, latest, editing, onEdit, onSave }: PromptListProps) {
  const rows = orderedPrompts(preset);
  // A merge patch replaces arrays whole: each change sends the whole order or the whole list of prompts, made from
  // the latest ones (two quick edits: the second must keep the first).
  const setOrder = (order: PromptOrderEntry[]) => onSave({ order });
  const move = (index: number, by: -1 | 1) => {
    const order = [...latest().order];
    const from = order.findIndex((e) => e.identifier === rows[index]!.identifier);
    const to = order.findIndex((e) => e.identifier === rows[index + by]?.identifier);
    if (from < 0 || to < 0) return;
    [order[from], order[to]] = [order[to]!, order[from]!];
    setOrder(order);
  };
  const toggle = (identifier: string, enabled: boolean) =>
    setOrder(latest().order.map((e) => (e.identifier === identifier ? { ...e, enabled } : e)));
  const editPrompt = (identifier: string, change: Partial<ManagedPrompt>) =>
    onSave({ prompts: latest().prompts.map((p) => (p.identifier === identifier ? { ...p, ...change } : p)) });
  const addCustom = () => {
    const identifier = nanoid();
    const preset = latest();
    onSave({
      prompts: [...preset.prompts, { identifier, name: 'New prompt', system_prompt: false, role: 'system', content: '', injection_position: 0, injection_depth: 4 }],
      order: [...preset.order, { identifier, enabled: true }],
    });
    onEdit(identifier);
  };
  const removeCustom = (identifier: string) => {
    const preset = latest();
    onSave({ prompts: preset.prompts.filter((p) => p.identifier !== identifier), order: preset.order.filter((e) => e.identifier !== identifier) });
  };

  return (
    <div className="stack">
      <ol className="prompt-manager-list">
        {rows.map((prompt, index) => (
          <li key={prompt.identifier} className={prompt.enabled ? '' : 'muted'}>
            <div className="row">
              <input
                type="checkbox"
                aria-label={`Send ${prompt.name || prompt.identifier}`}
                checked={prompt.enabled}
                onChange={(e) => toggle(prompt.identifier, e.target.checked)}
              />
              <span className="grow">
                {prompt.name || prompt.identifier}
                {prompt.marker && <span className="field-hint"> marker</span>}
                {prompt.injection_position === INJECTION_IN_CHAT && <span className="field-hint"> in chat @ {prompt.injection_depth ?? 4}</span>}
                {prompt.role && prompt.role !== 'system' && <span className="field-hint"> as {prompt.role}</span>}
              </span>
              <button type="button" className="link-button" aria-label="Move up" disabled={index === 0} onClick={() => move(index, -1)}>
                ↑
              </button>
              <button type="button" className="link-button" aria-label="Move down" disabled={index === rows.length - 1} onClick={() => move(index, 1)}>
                ↓
              </button>
              <button type="button" className="link-button" onClick={() => onEdit(editing === prompt.identifier ? null : prompt.identifier)}>
                {editing === prompt.identifier ? 'Close' : 'Edit'}
              </button>
            </div>
            {editing === prompt.identifier && (
              <PromptEditor prompt={prompt} onChange={(change) => editPrompt(prompt.identifier, change)} onRemove={() => removeCustom(prompt.identifier)} />
            )}
          </li>
        ))}
      </ol>
      <div>
        <button type="button" onClick={addCustom}>
          Add a prompt
        </button>
      </div>
    </div>
  );
}

function PromptEditor({ prompt, onChange, onRemove }: { prompt: ManagedPrompt; onChange(change: Partial<ManagedPrompt>): void; onRemove(): void }) {
  const marker = prompt.marker === true || MARKERS.includes(prompt.identifier);
  const custom = prompt.system_prompt === false;
  const inChat = prompt.injection_position === INJECTION_IN_CHAT;
  return (
    <div className="stack prompt-manager-editor">
      <DraftField label="Name" value={prompt.name} onCommit={(name) => onChange({ name })} />
      {marker ? (
        <p className="muted">A marker: the text comes from the card, the persona, world info or the chat.</p>
      ) : TEXT_ELSEWHERE[prompt.identifier] ? (
        <p className="muted">{TEXT_ELSEWHERE[prompt.identifier]}</p>
      ) : (
        <DraftField label="Text" rows={4} value={prompt.content ?? ''} onCommit={(content) => onChange({ content })} />
      )}
      <div className="row">
        <label className="field">
          <span>Role</span>
          <select value={prompt.role ?? 'system'} onChange={(e) => onChange({ role: e.target.value as 'system' | 'user' | 'assistant' })}>
            <option value="system">System</option>
            <option value="user">User</option>
            <option value="assistant">Assistant</option>
          </select>
        </label>
        <label className="field">
          <span>Place</span>
          <select value={inChat ? 'chat' : 'list'} onChange={(e) => onChange({ injection_position: e.target.value === 'chat' ? 1 : 0 })}>
            <option value="list">Where it is in the list</option>
            <option value="chat">In the chat, at a depth</option>
          </select>
        </label>
        {inChat && (
          <>
            <label className="field">
              <span>Depth</span>
              <input type="number" min={0} max={10000} value={prompt.injection_depth ?? 4} onChange={(e) => onChange({ injection_depth: clampInt(e.target.value, 0, 10_000, 4) })} />
            </label>
            <label className="field">
              <span>Order</span>
              <input type="number" value={prompt.injection_order ?? 100} onChange={(e) => onChange({ injection_order: clampInt(e.target.value, -100_000, 100_000, 100) })} />
            </label>
          </>
        )}
      </div>
      {(prompt.identifier === 'main' || prompt.identifier === 'jailbreak') && (
        <label className="row checkbox">
          <input type="checkbox" checked={prompt.forbid_overrides === true} onChange={(e) => onChange({ forbid_overrides: e.target.checked })} />
          A character's own text does not replace it
        </label>
      )}
      {custom && (
        <div>
          <button type="button" onClick={onRemove}>
            Remove this prompt
          </button>
        </div>
      )}
    </div>
  );
}

function clampInt(text: string, min: number, max: number, fallback: number): number {
  const n = Number.parseInt(text, 10);
  return Number.isNaN(n) ? fallback : Math.min(max, Math.max(min, n));
}
