import { useState } from 'react';
import {
  authorsNoteMetadata,
  chatAuthorsNote,
  CharacterNote,
  PROMPT_SETTINGS_KEY,
  promptSettingsOf,
  type AuthorsNote,
} from '../../../shared/api/prompt-settings.js';
import { Dialog } from '../../ui/dialog.js';
import type { SettingsState } from '../settings/use-settings.js';
import { DraftField } from './draft-field.js';
import { NoteFields } from './note-fields.js';
import './prompt.css';

interface AuthorsNoteButtonProps {
  metadata: Record<string, unknown>;
  characterId: string | null;
  characterName: string;
  settings: SettingsState;
  /** Saves the chat's note into its metadata (SillyTavern's note_* keys). */
  onSave(patch: Record<string, unknown>): void;
}

/** The chat's Author's Note and the character's own, in a dialog opened from the chat header. */
export function AuthorsNoteButton({ metadata, characterId, characterName, settings, onSave }: AuthorsNoteButtonProps) {
  const [open, setOpen] = useState(false);
  const prompt = promptSettingsOf(settings.values);
  const note = chatAuthorsNote(metadata, prompt.authorsNote);
  const characterNote = characterId ? (prompt.characterNotes[characterId] ?? CharacterNote.parse({})) : null;
  const change = (next: Partial<AuthorsNote>) => onSave(authorsNoteMetadata(next));
  const changeCharacter = (next: Partial<CharacterNote>) =>
    characterId && characterNote && void settings.patch({ [PROMPT_SETTINGS_KEY]: { characterNotes: { [characterId]: next } } });
  const active = note.prompt.trim() !== '' || characterNote?.enabled;

  return (
    <>
      <button type="button" className="link-button" aria-pressed={Boolean(active)} onClick={() => setOpen(true)}>
        Note
      </button>
      <Dialog title="Author's Note" open={open} onClose={() => setOpen(false)} className="wide authors-note">
        {open && (
          <div className="stack">
            <p className="muted">Sent with every prompt of this chat, where and as often as you choose.</p>
            <NoteFields note={note} onChange={change} />
            {characterNote && (
              <fieldset className="editor-group">
                <legend>{characterName}'s note (every chat with {characterName})</legend>
                <DraftField label="Character note" rows={3} value={characterNote.prompt} onCommit={(text) => changeCharacter({ prompt: text })} />
                <label className="row checkbox">
                  <input type="checkbox" checked={characterNote.enabled} onChange={(e) => changeCharacter({ enabled: e.target.checked })} />
                  Use it
                </label>
                <label className="field">
                  <span>With the chat's note</span>
                  <select value={characterNote.placement} onChange={(e) => changeCharacter({ placement: e.target.value as CharacterNote['placement'] })}>
                    <option value="replace">Instead of it</option>
                    <option value="before">Before it</option>
                    <option value="after">After it</option>
                  </select>
                </label>
              </fieldset>
            )}
          </div>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      </Dialog>
    </>
  );
}
