import { useId, useState } from 'react';
import type { DuplicateCardDetails } from '../../../shared/api/characters.js';
import { Dialog } from '../../ui/dialog.js';

/** What the user decided about a card already in the library. */
export type DuplicateAnswer = { replace: string } | 'keep' | 'skip';

interface DuplicateCardDialogProps {
  question: { fileName: string; details: DuplicateCardDetails } | null;
  onAnswer(answer: DuplicateAnswer): void;
}

/** Asked when an imported card's name is already in the library: replace that character, keep both, or skip. */
export function DuplicateCardDialog({ question, onAnswer }: DuplicateCardDialogProps) {
  const group = useId();
  const existing = question?.details.existing ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const target = existing.find((c) => c.id === chosen) ?? existing[0];

  return (
    <Dialog
      title={question ? `“${question.details.name}” is already in your library` : ''}
      open={question !== null}
      onClose={() => onAnswer('skip')}
    >
      <p>
        {existing.length === 1
          ? `${question?.fileName} holds a card named like a character you have. Replace that character with the new card (its chats stay), or keep both?`
          : `${question?.fileName} holds a card named like ${existing.length} characters you have. Replace one of them with the new card (its chats stay), or keep them all?`}
      </p>
      {existing.length > 1 && (
        <fieldset className="duplicate-choices">
          <legend className="muted">Replace which one?</legend>
          {existing.map((character, index) => (
            <label key={character.id} className="duplicate-choice">
              <input
                type="radio"
                name={group}
                checked={(chosen ?? existing[0]?.id) === character.id}
                onChange={() => setChosen(character.id)}
              />
              {character.avatarUrl && <img src={character.avatarUrl} alt="" />}
              <span>
                {character.name} <span className="muted">(the {ordinal(index + 1)} one)</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
      {existing.length === 1 && existing[0]?.avatarUrl && (
        <img className="duplicate-existing" src={existing[0].avatarUrl} alt={`${existing[0].name} as it is now`} />
      )}
      <div className="dialog-actions">
        <button type="button" onClick={() => onAnswer('skip')}>
          Don’t import
        </button>
        <button type="button" onClick={() => onAnswer('keep')}>
          Keep both
        </button>
        <button type="button" className="primary" onClick={() => target && onAnswer({ replace: target.id })}>
          Replace
        </button>
      </div>
    </Dialog>
  );
}

const ordinal = (n: number) => (n === 1 ? 'first' : n === 2 ? 'second' : n === 3 ? 'third' : `${n}th`);
