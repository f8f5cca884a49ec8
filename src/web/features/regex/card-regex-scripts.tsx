import type { Card } from '../../../shared/api/characters.js';
import { cardRegexScripts } from '../../../shared/api/regex-scripts.js';
import { useServices } from '../../ui/services.js';
import { downloadScripts, scriptFileName } from './regex-file.js';
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
  const extensions = card.data.extensions ?? {};
  const scripts = cardRegexScripts(extensions);
  if (scripts.length === 0) return null;
  const allowed = settings.allowedCharacters.includes(characterId);
  const raw = Array.isArray(extensions.regex_scripts) ? (extensions.regex_scripts as unknown[]) : [];
  // Switching one on or off changes it in the card (SillyTavern keeps it there too), leaving its other fields as they are.
  const setDisabled = (index: number, disabled: boolean) => {
    let seen = -1;
    const next = raw.map((item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
      seen += 1;
      return seen === index ? { ...item, disabled } : item;
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
          onToggle: (i, enabled) => setDisabled(i, !enabled),
          onExport: (i) => {
            const script = scripts[i];
            if (script) downloadScripts([script], scriptFileName(script));
          },
        }}
      />
    </section>
  );
}
