import { useState, type FormEvent } from 'react';
import { parseFindRegex, REGEX_PLACEMENT, type RegexPlacement, type RegexScript } from '../../../shared/api/regex-scripts.js';

const PLACEMENT_LABELS: Array<[RegexPlacement, string]> = [
  [REGEX_PLACEMENT.userInput, 'User input'],
  [REGEX_PLACEMENT.aiOutput, 'AI output'],
  [REGEX_PLACEMENT.slashCommand, 'Slash commands (narrator)'],
  [REGEX_PLACEMENT.worldInfo, 'World info'],
  [REGEX_PLACEMENT.reasoning, 'Reasoning'],
];

const depthText = (depth: number | null) => (depth === null ? '' : String(depth));
const depthOf = (text: string) => (text.trim() === '' || !Number.isInteger(Number(text)) ? null : Number(text));

/** The editor of one script, SillyTavern's fields; nothing is written until Save. */
export function RegexScriptForm({ script, onSave, onCancel }: { script: RegexScript; onSave(script: RegexScript): void; onCancel(): void }) {
  const [draft, setDraft] = useState(script);
  const [trims, setTrims] = useState(script.trimStrings.join('\n'));
  const [minDepth, setMinDepth] = useState(depthText(script.minDepth));
  const [maxDepth, setMaxDepth] = useState(depthText(script.maxDepth));
  const set = (partial: Partial<RegexScript>) => setDraft((d) => ({ ...d, ...partial }));
  // With macros in the pattern, it compiles only once they are expanded: the server says so if it does not.
  const invalid = draft.findRegex !== '' && draft.substituteRegex === 0 && parseFindRegex(draft.findRegex) === null;

  function submit(event: FormEvent) {
    event.preventDefault();
    onSave({
      ...draft,
      trimStrings: trims.split('\n').filter((t) => t !== ''),
      minDepth: depthOf(minDepth),
      maxDepth: depthOf(maxDepth),
    });
  }

  const flag = (key: 'markdownOnly' | 'promptOnly' | 'runOnEdit' | 'disabled', label: string) => (
    <label className="row checkbox">
      <input type="checkbox" checked={draft[key]} onChange={(e) => set({ [key]: e.target.checked })} />
      {label}
    </label>
  );

  return (
    <form className="regex-form stack" onSubmit={submit} aria-label="Regex script">
      <label className="field">
        <span>Script name</span>
        <input value={draft.scriptName} maxLength={1000} onChange={(e) => set({ scriptName: e.target.value })} />
      </label>
      <label className="field">
        <span>
          Find regex <span className="field-hint">/pattern/flags, or a plain pattern (first match only)</span>
        </span>
        <input className="mono" value={draft.findRegex} onChange={(e) => set({ findRegex: e.target.value })} aria-invalid={invalid} />
      </label>
      {invalid && <p className="form-problem">This pattern does not compile; the script would change nothing.</p>}
      <label className="field">
        <span>
          Replace with <span className="field-hint">{'{{match}}'} or $0: the match; $1, $2…: its groups; macros as {'{{char}}'}</span>
        </span>
        <textarea className="mono" rows={3} value={draft.replaceString} onChange={(e) => set({ replaceString: e.target.value })} />
      </label>
      <label className="field">
        <span>
          Trim out <span className="field-hint">one per line, removed from the match before it is inserted</span>
        </span>
        <textarea className="mono" rows={2} value={trims} onChange={(e) => setTrims(e.target.value)} />
      </label>
      <div className="editor-columns">
        <fieldset className="editor-group">
          <legend>Affects</legend>
          {PLACEMENT_LABELS.map(([placement, label]) => (
            <label key={placement} className="row checkbox">
              <input
                type="checkbox"
                checked={draft.placement.includes(placement)}
                onChange={(e) =>
                  set({ placement: e.target.checked ? [...draft.placement, placement].sort() : draft.placement.filter((p) => p !== placement) })
                }
              />
              {label}
            </label>
          ))}
        </fieldset>
        <fieldset className="editor-group">
          <legend>Options</legend>
          {flag('disabled', 'Disabled')}
          {flag('runOnEdit', 'Run on edit')}
          {flag('markdownOnly', 'Alter chat display only')}
          {flag('promptOnly', 'Alter outgoing prompt only')}
          <label className="field">
            <span>Macros in Find regex</span>
            <select value={draft.substituteRegex} onChange={(e) => set({ substituteRegex: Number(e.target.value) })}>
              <option value={0}>Don't substitute</option>
              <option value={1}>Substitute (raw)</option>
              <option value={2}>Substitute (escaped)</option>
            </select>
          </label>
          <div className="row">
            <label className="field">
              <span>
                Min depth <span className="field-hint">0: newest</span>
              </span>
              <input type="number" min={-1} value={minDepth} onChange={(e) => setMinDepth(e.target.value)} />
            </label>
            <label className="field">
              <span>
                Max depth <span className="field-hint">empty: none</span>
              </span>
              <input type="number" min={0} value={maxDepth} onChange={(e) => setMaxDepth(e.target.value)} />
            </label>
          </div>
        </fieldset>
      </div>
      <p className="muted">
        With neither "only" option, the script changes the message as it is saved: your input when sent, a reply when
        it is finished, an edit when "Run on edit" is on.
      </p>
      <div className="row">
        <button type="submit" className="primary">
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
