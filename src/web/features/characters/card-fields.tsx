import type { Card } from '../../../shared/api/characters.js';
import { ListField } from './list-field.js';
import { LorebookEditor, readBook } from './lorebook-editor.js';
import { TextField } from './text-field.js';

type CardData = Card['data'];

/** SillyTavern's default depth for a character's note. */
const DEFAULT_DEPTH = 4;

interface CardFieldsProps {
  data: CardData;
  onChange(patch: Partial<CardData>): void;
}

/** Every field of a card, for editing one and for making one from scratch. */
export function CardFields({ data, onChange }: CardFieldsProps) {
  const greetings = data.alternate_greetings ?? [];
  const setGreeting = (index: number, text: string) =>
    onChange({ alternate_greetings: greetings.map((greeting, i) => (i === index ? text : greeting)) });

  // SillyTavern's character's note lives in extensions.depth_prompt ({prompt, depth, role}); other keys stay.
  const extensions = data.extensions ?? {};
  const stored = (extensions.depth_prompt ?? {}) as { prompt?: unknown; depth?: unknown; role?: unknown };
  const depthPrompt = {
    prompt: typeof stored.prompt === 'string' ? stored.prompt : '',
    depth: typeof stored.depth === 'number' ? stored.depth : DEFAULT_DEPTH,
  };
  const setDepthPrompt = (patch: Partial<typeof depthPrompt>) =>
    onChange({ extensions: { ...extensions, depth_prompt: { role: 'system', ...stored, ...depthPrompt, ...patch } } });

  return (
    <>
      <div className="editor-columns">
        <TextField label="Name" value={data.name} onChange={(name) => onChange({ name })} />
        <TextField label="Creator" value={data.creator ?? ''} onChange={(creator) => onChange({ creator })} />
        <TextField
          label="Version"
          value={data.character_version ?? ''}
          onChange={(character_version) => onChange({ character_version })}
        />
        <ListField label="Tags" hint="comma-separated" values={data.tags ?? []} onChange={(tags) => onChange({ tags })} />
      </div>
      <TextField label="Description" rows={8} value={data.description} onChange={(description) => onChange({ description })} />
      <TextField label="Personality" rows={3} value={data.personality} onChange={(personality) => onChange({ personality })} />
      <TextField label="Scenario" rows={3} value={data.scenario} onChange={(scenario) => onChange({ scenario })} />
      <TextField label="First message" rows={6} value={data.first_mes} onChange={(first_mes) => onChange({ first_mes })} />
      <fieldset className="editor-group">
        <legend>Alternate greetings</legend>
        {greetings.map((greeting, index) => (
          <div key={index} className="stack greeting">
            <TextField label={`Greeting ${index + 2}`} rows={4} value={greeting} onChange={(text) => setGreeting(index, text)} />
            <button
              type="button"
              className="link-button danger"
              onClick={() => onChange({ alternate_greetings: greetings.filter((_, i) => i !== index) })}
            >
              Remove greeting {index + 2}
            </button>
          </div>
        ))}
        <button type="button" onClick={() => onChange({ alternate_greetings: [...greetings, ''] })}>
          Add greeting
        </button>
      </fieldset>
      <TextField
        label="Example dialogue"
        hint="<START> separates examples"
        rows={6}
        value={data.mes_example}
        onChange={(mes_example) => onChange({ mes_example })}
      />
      <TextField
        label="System prompt"
        hint="replaces the default when set"
        rows={3}
        value={data.system_prompt ?? ''}
        onChange={(system_prompt) => onChange({ system_prompt })}
      />
      <TextField
        label="Post-history instructions"
        rows={3}
        value={data.post_history_instructions ?? ''}
        onChange={(post_history_instructions) => onChange({ post_history_instructions })}
      />
      <fieldset className="editor-group">
        <legend>Character’s note</legend>
        <TextField
          label="Note"
          hint="inserted into the chat at a depth, as SillyTavern's depth prompt"
          rows={3}
          value={depthPrompt.prompt}
          onChange={(prompt) => setDepthPrompt({ prompt })}
        />
        <label className="field field-narrow">
          <span>Depth <span className="field-hint">messages from the end</span></span>
          <input
            type="number"
            min={0}
            max={999}
            value={depthPrompt.depth}
            onChange={(event) => setDepthPrompt({ depth: Math.max(0, Math.trunc(Number(event.target.value) || 0)) })}
          />
        </label>
      </fieldset>
      <TextField
        label="Creator notes"
        rows={3}
        value={data.creator_notes ?? ''}
        onChange={(creator_notes) => onChange({ creator_notes })}
      />
      <LorebookEditor
        book={readBook(data.character_book)}
        onChange={(book) => onChange({ character_book: book })}
      />
    </>
  );
}
