import type { Card } from '../../../shared/api/characters.js';
import { useState } from 'react';
import { cardRegexScripts, type RegexScript } from '../../../shared/api/regex-scripts.js';
import { useServices } from '../../ui/services.js';
import { downloadScripts, scriptFileName } from './regex-file.js';
import { RegexScriptForm } from './regex-script-form.js';
import { RegexScriptList } from './regex-script-list.js';
import { useRegexSettings } from './use-regex-settings.js';
import './regex.css';

/**
 * A card's own regex scripts (`data.extensions.regex_scripts`) and whether they may run in this character's chats.
 * They never run unasked, as in SillyTavern: a downloaded card may carry any pattern and any HTML.
 */
export function CardRegexScripts({ characterId, card }: { characterId: string; card: Card }) {
  const { engine } = useServices();
  const { settings, change } = useRegexSettings();
  const [editing, setEditing] = useState<number | null>(null);
  const extensions = card.data.extensions ?? {};
  const scripts = cardRegexScripts(extensions);
  if (scripts.length === 0) return null;
  const allowed = settings.allowedCharacters.includes(characterId);
  const raw = Array.isArray(extensions.regex_scripts) ? (extensions.regex_scripts as unknown[]) : [];
  // A change is written into the card (SillyTavern keeps them there too): the script at `index` (counting only the
  // scripts, as cardRegexScripts does) becomes `script` with its fields laid over what it held, or goes (null).
  const write = (index: number, script: Partial<RegexScript> | null) => {
    let seen = -1;
    const next = raw.flatMap((item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return [item];
      seen += 1;
      if (seen !== index) return [item];
      return script === null ? [] : [{ ...item, ...script }];
    });
    void engine.enqueue({ kind: 'character-put', characterId, card: { ...card, data: { ...card.data, extensions: { ...extensions, regex_scripts: next } } } });
  };
  return (
    <section className="stack" aria-label="Regex scripts of the card">
      <h2>Regex scripts</h2>
      <label className="row checkbox">
        <input
          type="checkbox"
          checked={allowed}
          onChange={(e) =>
            change({
              allowedCharacters: e.target.checked
                ? [...settings.allowedCharacters, characterId]
                : settings.allowedCharacters.filter((id) => id !== characterId),
            })
          }
        />
        Allow this card's regex scripts to run in its chats
      </label>
      <p className="muted">
        {allowed ? 'They run after your global scripts.' : 'Off: the card keeps them (and exports them) but they do not run.'}
      </p>
      <RegexScriptList
        label="The card's regex scripts"
        scripts={scripts}
        actions={{
          onToggle: (i, enabled) => write(i, { disabled: !enabled }),
          onEdit: (i) => setEditing(i),
          onExport: (i) => {
            const script = scripts[i];
            if (script) downloadScripts([script], scriptFileName(script));
          },
          onDelete: (i) => {
            const script = scripts[i];
            if (script && window.confirm(`Delete the script "${script.scriptName || script.findRegex}" from the card?`)) write(i, null);
          },
        }}
      />
      {editing !== null && scripts[editing] && (
        <RegexScriptForm
          key={editing}
          script={scripts[editing]}
          onSave={(script) => {
            write(editing, script);
            setEditing(null);
          }}
          onCancel={() => setEditing(null)}
        />
      )}
    </section>
  );
}
