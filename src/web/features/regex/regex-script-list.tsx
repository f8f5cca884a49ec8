import type { RegexScript } from '../../../shared/api/regex-scripts.js';

export interface ScriptActions {
  onToggle(index: number, enabled: boolean): void;
  onMove?(index: number, by: -1 | 1): void;
  onEdit?(index: number): void;
  onExport(index: number): void;
  onDelete?(index: number): void;
}

/** Scripts in the order they run, each with its switch and what can be done with it. */
export function RegexScriptList({ scripts, actions, label }: { scripts: readonly RegexScript[]; actions: ScriptActions; label: string }) {
  return (
    <ul className="regex-list" aria-label={label}>
      {scripts.map((script, index) => (
        <li key={`${script.id}-${index}`} className="row regex-row">
          <label className="row checkbox">
            <input type="checkbox" checked={!script.disabled} onChange={(e) => actions.onToggle(index, e.target.checked)} aria-label={`Enable ${script.scriptName}`} />
            <strong>{script.scriptName || '(unnamed)'}</strong>
          </label>
          <code className="muted regex-find">{script.findRegex}</code>
          {script.markdownOnly && <span className="tag">display</span>}
          {script.promptOnly && <span className="tag">prompt</span>}
          <span className="spacer" />
          {actions.onMove && (
            <>
              <button type="button" className="link-button" disabled={index === 0} onClick={() => actions.onMove?.(index, -1)} aria-label="Move up">
                ↑
              </button>
              <button type="button" className="link-button" disabled={index === scripts.length - 1} onClick={() => actions.onMove?.(index, 1)} aria-label="Move down">
                ↓
              </button>
            </>
          )}
          {actions.onEdit && (
            <button type="button" className="link-button" onClick={() => actions.onEdit?.(index)}>
              Edit
            </button>
          )}
          <button type="button" className="link-button" onClick={() => actions.onExport(index)}>
            Export
          </button>
          {actions.onDelete && (
            <button type="button" className="link-button" onClick={() => actions.onDelete?.(index)}>
              Delete
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
