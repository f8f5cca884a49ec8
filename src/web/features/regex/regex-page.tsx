import { nanoid } from 'nanoid';
import { useRef, useState } from 'react';
import { RegexScript, scriptsFromFile } from '../../../shared/api/regex-scripts.js';
import { downloadScripts, scriptFileName } from './regex-file.js';
import { RegexScriptForm } from './regex-script-form.js';
import { RegexScriptList } from './regex-script-list.js';
import { useRegexSettings } from './use-regex-settings.js';
import './regex.css';

/** /regex: the global regex scripts (SillyTavern's regex extension): add, edit, order, switch, import, export. */
export function RegexPage() {
  const { settings, loaded, change } = useRegexSettings();
  const { scripts } = settings;
  // The script being edited: its index, or 'new' for one not in the list yet.
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const save = (next: RegexScript[]) => change({ scripts: next });

  async function importFiles(files: FileList | null) {
    setProblem(null);
    const added: RegexScript[] = [];
    for (const file of files ? [...files] : []) {
      let found: RegexScript[] | null = null;
      try {
        found = scriptsFromFile(JSON.parse(await file.text()));
      } catch {
        found = null;
      }
      if (found) added.push(...found.map((s) => ({ ...s, id: s.id || nanoid() })));
      else setProblem(`${file.name}: not a SillyTavern regex script (a JSON object with findRegex, or an array of them).`);
    }
    if (fileInput.current) fileInput.current.value = '';
    if (added.length > 0) save([...scripts, ...added]);
  }

  const fresh = RegexScript.parse({ id: nanoid(), scriptName: 'New script', placement: [2] });
  return (
    <div className="regex-page stack">
      <header className="row">
        <h1>Regex scripts</h1>
        <span className="spacer" />
        <button type="button" onClick={() => setEditing('new')} disabled={!loaded}>
          Add script
        </button>
        <button type="button" onClick={() => fileInput.current?.click()} disabled={!loaded}>
          Import
        </button>
        <button type="button" onClick={() => downloadScripts(scripts, 'regex-scripts.json')} disabled={scripts.length === 0}>
          Export all
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          multiple
          className="visually-hidden"
          aria-label="Regex script files to import"
          onChange={(event) => void importFiles(event.target.files)}
        />
      </header>
      <p className="muted">
        Find-and-replace on messages, the prompt and what the chat shows, as SillyTavern's regex scripts. They run in
        every chat, in this order, before a character's own scripts (allowed on the character's page). A pattern that
        takes too long is skipped.
      </p>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      {editing === 'new' && (
        <RegexScriptForm
          script={fresh}
          onSave={(script) => {
            save([...scripts, script]);
            setEditing(null);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {loaded && scripts.length === 0 && editing !== 'new' && <p className="muted">No scripts yet.</p>}
      <RegexScriptList
        label="Global regex scripts"
        scripts={scripts}
        actions={{
          onToggle: (i, enabled) => save(scripts.map((s, j) => (j === i ? { ...s, disabled: !enabled } : s))),
          onMove: (i, by) => {
            const next = [...scripts];
            const [moved] = next.splice(i, 1);
            if (moved) next.splice(i + by, 0, moved);
            save(next);
          },
          onEdit: (i) => setEditing(i),
          onExport: (i) => {
            const script = scripts[i];
            if (script) downloadScripts([script], scriptFileName(script));
          },
          onDelete: (i) => {
            const script = scripts[i];
            if (script && window.confirm(`Delete the script "${script.scriptName || script.findRegex}"?`)) save(scripts.filter((_, j) => j !== i));
          },
        }}
      />
      {typeof editing === 'number' && scripts[editing] && (
        <RegexScriptForm
          key={editing}
          script={scripts[editing]}
          onSave={(script) => {
            save(scripts.map((s, j) => (j === editing ? script : s)));
            setEditing(null);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
    </div>
  );
}
