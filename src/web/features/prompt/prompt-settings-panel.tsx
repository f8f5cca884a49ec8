import { nanoid } from 'nanoid';
import {
  activeSystemPrompt,
  PROMPT_SETTINGS_KEY,
  promptSettingsOf,
  type AuthorsNoteDefaults,
  type PromptSettings,
} from '../../../shared/api/prompt-settings.js';
import type { SettingsState } from '../settings/use-settings.js';
import { DraftField } from './draft-field.js';
import { NoteFields } from './note-fields.js';
import { PromptManagerPanel } from './prompt-manager-panel.js';
import './prompt.css';

/** The prompt's global settings: system prompt presets, instructions after the history, reply start, Continue, and
 *  the Author's Note a chat starts with. */
export function PromptSettingsPanel({ settings }: { settings: SettingsState }) {
  const prompt = promptSettingsOf(settings.values);
  const active = activeSystemPrompt(prompt);
  const patch = (change: Partial<PromptSettings>) => void settings.patch({ [PROMPT_SETTINGS_KEY]: change });
  // Arrays are replaced whole by a merge patch: each change is made from the latest list (two quick edits: the
  // second keeps the first).
  const latestPresets = () => promptSettingsOf(settings.current()).systemPrompts;
  const setPresets = (systemPrompts: PromptSettings['systemPrompts'], activeId = prompt.activeSystemPrompt) =>
    patch({ systemPrompts, activeSystemPrompt: activeId });
  const editActive = (change: { name?: string; content?: string }) =>
    active && setPresets(latestPresets().map((p) => (p.id === active.id ? { ...p, ...change } : p)));
  const addPreset = () => {
    const id = nanoid();
    setPresets([...latestPresets(), { id, name: `${active?.name ?? 'System prompt'} (copy)`, content: active?.content ?? '' }], id);
  };
  const removeActive = () => {
    const rest = latestPresets().filter((p) => p.id !== active?.id);
    if (rest.length > 0) setPresets(rest, rest[0]!.id);
  };
  const disabled = !settings.loaded;

  return (
    <section className="stack prompt-settings" aria-labelledby="prompt-settings-title">
      <h2 id="prompt-settings-title">Prompt</h2>
      <fieldset className="editor-group" disabled={disabled}>
        <legend>System prompt</legend>
        <div className="row">
          <label className="field grow">
            <span>In use</span>
            <select value={active?.id ?? ''} onChange={(e) => patch({ activeSystemPrompt: e.target.value })}>
              {prompt.systemPrompts.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={addPreset}>
            New
          </button>
          <button type="button" onClick={removeActive} disabled={prompt.systemPrompts.length < 2}>
            Delete
          </button>
        </div>
        {active && (
          <>
            <DraftField key={`name-${active.id}`} label="Name" value={active.name} onCommit={(name) => name.trim() && editActive({ name: name.trim() })} />
            <DraftField key={`content-${active.id}`} label="Text" rows={5} value={active.content} onCommit={(content) => editActive({ content })} />
          </>
        )}
        <label className="row checkbox">
          <input type="checkbox" checked={prompt.preferCardSystemPrompt} onChange={(e) => patch({ preferCardSystemPrompt: e.target.checked })} />
          A character's own system prompt replaces it (the card can include it as {'{{original}}'})
        </label>
      </fieldset>
      <fieldset className="editor-group" disabled={disabled}>
        <legend>After the chat history</legend>
        <DraftField label="Post-history instructions" rows={3} value={prompt.postHistoryInstructions} onCommit={(text) => patch({ postHistoryInstructions: text })} />
        <label className="row checkbox">
          <input type="checkbox" checked={prompt.preferCardPostHistory} onChange={(e) => patch({ preferCardPostHistory: e.target.checked })} />
          A character's own post-history instructions replace these
        </label>
        <DraftField label="Start reply with" hint="the model writes on from here" value={prompt.startReplyWith} onCommit={(text) => patch({ startReplyWith: text })} />
        <label className="row checkbox">
          <input type="checkbox" checked={prompt.showStartReplyWith} onChange={(e) => patch({ showStartReplyWith: e.target.checked })} />
          Show it at the start of the reply
        </label>
      </fieldset>
      <PromptManagerPanel settings={settings} />
      <fieldset className="editor-group" disabled={disabled}>
        <legend>Continue (chat completion)</legend>
        <label className="row checkbox">
          <input type="checkbox" checked={prompt.continuePrefill} onChange={(e) => patch({ continuePrefill: e.target.checked })} />
          The backend extends a reply sent last (llama.cpp, vLLM, OpenRouter…)
        </label>
        {!prompt.continuePrefill && (
          <DraftField
            label="Continue nudge"
            hint="{{lastChatMessage}} is the reply"
            rows={3}
            value={prompt.continueNudge}
            onCommit={(text) => patch({ continueNudge: text })}
          />
        )}
      </fieldset>
      <fieldset className="editor-group" disabled={disabled}>
        <legend>Author's Note for new chats</legend>
        <NoteFields
          note={prompt.authorsNote}
          onChange={(change: Partial<AuthorsNoteDefaults>) => void settings.patch({ [PROMPT_SETTINGS_KEY]: { authorsNote: change } })}
        />
      </fieldset>
    </section>
  );
}
