import { noteIsDue, type AuthorsNote, type CharacterNote, type NotePosition } from '../../shared/api/prompt-settings.js';
import type { DepthPart } from './prompt-pipeline/prompt-parts.js';

export interface PlacedNote {
  position: NotePosition;
  /** The note as a part; in the chat it is placed at its depth, otherwise in the system block. */
  part: DepthPart;
}

/**
 * The Author's Note as SillyTavern's setFloatingPrompt makes it (a gather-stage source): the chat's note, replaced
 * or extended by the character's own when that is on; world info's Author's Note entries before and after it; sent
 * only when the user's message count is due for the interval. World info's entries wait for the note's turn too.
 */
export function authorsNotePart(
  note: AuthorsNote,
  characterNote: CharacterNote | undefined,
  worldInfo: { top: readonly string[]; bottom: readonly string[] },
  userMessages: number,
  names: { user: string; char: string },
): PlacedNote | null {
  if (!noteIsDue(note.interval, userMessages)) return null;
  let prompt = note.prompt;
  if (characterNote?.enabled) {
    if (characterNote.placement === 'before') prompt = `${characterNote.prompt}\n${prompt}`;
    else if (characterNote.placement === 'after') prompt = `${prompt}\n${characterNote.prompt}`;
    else prompt = characterNote.prompt;
  }
  const text = [...worldInfo.top, prompt, ...worldInfo.bottom].filter(Boolean).join('\n');
  if (!text) return null;
  return {
    position: note.position,
    part: {
      part: 'authors_note',
      source: { kind: 'settings', detail: characterNote?.enabled ? 'authors_note (with the character note)' : 'authors_note' },
      role: note.role,
      name: note.role === 'system' ? 'system' : note.role === 'user' ? names.user : names.char,
      text,
      macros: { kind: 'text' },
      depth: note.depth,
    },
  };
}
