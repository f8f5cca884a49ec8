import { useMemo, useState } from 'react';
import { Card, type Character } from '../../../shared/api/characters.js';
import { useServices } from '../../app/services.js';
import { ListField } from './list-field.js';
import { LorebookEditor, readBook } from './lorebook-editor.js';
import { TextField } from './text-field.js';

type CardData = Card['data'];

/** An unsaved edit kept in this browser, if it is still a valid card. */
function readDraft(text: string): Card | null {
  if (!text) return null;
  try {
    const parsed = Card.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

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

  const greetings = data.alternate_greetings ?? [];
  const setGreeting = (index: number, text: string) =>
    setData({ alternate_greetings: greetings.map((greeting, i) => (i === index ? text : greeting)) });

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
      <div className="editor-columns">
        <TextField label="Name" value={data.name} onChange={(name) => setData({ name })} />
        <TextField label="Creator" value={data.creator ?? ''} onChange={(creator) => setData({ creator })} />
        <TextField
          label="Version"
          value={data.character_version ?? ''}
          onChange={(character_version) => setData({ character_version })}
        />
        <ListField label="Tags" hint="comma-separated" values={data.tags ?? []} onChange={(tags) => setData({ tags })} />
      </div>
      <TextField label="Description" rows={8} value={data.description} onChange={(description) => setData({ description })} />
      <TextField label="Personality" rows={3} value={data.personality} onChange={(personality) => setData({ personality })} />
      <TextField label="Scenario" rows={3} value={data.scenario} onChange={(scenario) => setData({ scenario })} />
      <TextField label="First message" rows={6} value={data.first_mes} onChange={(first_mes) => setData({ first_mes })} />
      <fieldset className="editor-group">
        <legend>Alternate greetings</legend>
        {greetings.map((greeting, index) => (
          <div key={index} className="stack greeting">
            <TextField label={`Greeting ${index + 2}`} rows={4} value={greeting} onChange={(text) => setGreeting(index, text)} />
            <button
              type="button"
              className="link-button danger"
              onClick={() => setData({ alternate_greetings: greetings.filter((_, i) => i !== index) })}
            >
              Remove greeting {index + 2}
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setData({ alternate_greetings: [...greetings, ''] })}>
          Add greeting
        </button>
      </fieldset>
      <TextField
        label="Example dialogue"
        hint="<START> separates examples"
        rows={6}
        value={data.mes_example}
        onChange={(mes_example) => setData({ mes_example })}
      />
      <TextField
        label="System prompt"
        hint="replaces the default when set"
        rows={3}
        value={data.system_prompt ?? ''}
        onChange={(system_prompt) => setData({ system_prompt })}
      />
      <TextField
        label="Post-history instructions"
        rows={3}
        value={data.post_history_instructions ?? ''}
        onChange={(post_history_instructions) => setData({ post_history_instructions })}
      />
      <TextField
        label="Creator notes"
        rows={3}
        value={data.creator_notes ?? ''}
        onChange={(creator_notes) => setData({ creator_notes })}
      />
      <LorebookEditor
        book={readBook(data.character_book)}
        onChange={(book) => setData({ character_book: book })}
      />
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
