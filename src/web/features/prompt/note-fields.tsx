import { useId } from 'react';
import { NOTE_POSITIONS, NOTE_ROLES, type AuthorsNote } from '../../../shared/api/prompt-settings.js';
import { DraftField } from './draft-field.js';

const POSITION_LABELS: Record<AuthorsNote['position'], string> = {
  in_chat: 'In the chat, at a depth',
  after_scenario: 'After the scenario',
  before_prompt: 'Before the prompt',
};

/** The fields of an Author's Note, for a chat's note and for the defaults alike. */
export function NoteFields({ note, onChange }: { note: AuthorsNote; onChange(change: Partial<AuthorsNote>): void }) {
  const group = useId();
  const number = (value: string, max: number) => Math.max(0, Math.min(max, Math.trunc(Number(value)) || 0));
  return (
    <>
      <DraftField label="Note" hint="sent with the prompt; macros work here" rows={4} value={note.prompt} onCommit={(prompt) => onChange({ prompt })} />
      <div className="row note-numbers">
        <label className="field">
          <span>
            Every N user messages <span className="field-hint">0 never, 1 always</span>
          </span>
          <input type="number" min={0} max={1000} value={note.interval} onChange={(e) => onChange({ interval: number(e.target.value, 1000) })} />
        </label>
        <label className="field">
          <span>Depth</span>
          <input
            type="number"
            min={0}
            max={1000}
            value={note.depth}
            disabled={note.position !== 'in_chat'}
            onChange={(e) => onChange({ depth: number(e.target.value, 1000) })}
          />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={note.role} disabled={note.position !== 'in_chat'} onChange={(e) => onChange({ role: e.target.value as AuthorsNote['role'] })}>
            {NOTE_ROLES.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </label>
      </div>
      <fieldset className="editor-group">
        <legend>Where</legend>
        {NOTE_POSITIONS.map((position) => (
          <label key={position} className="row checkbox">
            <input type="radio" name={group} checked={note.position === position} onChange={() => onChange({ position })} />
            {POSITION_LABELS[position]}
          </label>
        ))}
      </fieldset>
    </>
  );
}
