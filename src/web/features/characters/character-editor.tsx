import { useMemo, useState } from 'react';
import type { Card, Character } from '../../../shared/api/characters.js';
import { useServices } from '../../ui/services.js';
import { readDraft } from './card-draft.js';
import { CardFields } from './card-fields.js';

type CardData = Card['data'];

interface CharacterEditorProps {
  character: Character;
  /** A PUT still waiting in the outbox: newer than the server's card. */
  pendingCard: Card | null;
}

/** Every card field, alternate greetings and lorebook; saved whole with PUT through the outbox. */
export function CharacterEditor({ character, pendingCard }: CharacterEditorProps) {
  const { engine, drafts } = useServices();
  const draftKey = `card:${character.id}`;
  const base = pendingCard ?? character.card;
  const [restored] = useState(() => readDraft(drafts.load(draftKey)));
  const [card, setCard] = useState<Card>(restored ?? base);
  const dirty = useMemo(() => JSON.stringify(card) !== JSON.stringify(base), [card, base]);
  const data = card.data;

  function setData(patch: Partial<CardData>) {
    const next: Card = { ...card, data: { ...card.data, ...patch } };
    setCard(next);
    drafts.save(draftKey, JSON.stringify(next));
  }

  async function save() {
    if (!data.name.trim()) return;
    await engine.enqueue({ kind: 'character-put', characterId: character.id, card });
    drafts.save(draftKey, '');
  }

  function discard() {
    setCard(base);
    drafts.save(draftKey, '');
  }

  return (
    <form
      className="character-editor stack"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      {restored && dirty && (
        <p className="notice">Your unsaved edits from before were kept. Save them, or discard to see the saved card.</p>
      )}
      <CardFields data={data} onChange={setData} />
      <div className="editor-bar">
        {!data.name.trim() && <span className="form-problem">A character needs a name.</span>}
        <span className="spacer" />
        <button type="button" disabled={!dirty} onClick={discard}>
          Discard changes
        </button>
        <button type="submit" className="primary" disabled={!dirty || !data.name.trim()}>
          Save card
        </button>
      </div>
    </form>
  );
}
