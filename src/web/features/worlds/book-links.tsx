import { nanoid } from 'nanoid';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Card } from '../../../shared/api/characters.js';
import { CHAT_WORLD_KEY } from '../../../shared/api/worlds.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import { BookChecklist, BookSelect } from './book-picker.js';
import { useWorldInfoSettings } from './use-world-info-settings.js';
import { useWorlds } from './use-worlds.js';
import './worlds.css';

/**
 * A character's books: the primary one named in the card (`extensions.world`, what SillyTavern links and
 * exports) and additional ones kept in settings; and, when the card carries its own lorebook, a way to make it a
 * book of its own.
 */
export function CharacterBookLinks({ characterId, card }: { characterId: string; card: Card }) {
  const { api, engine } = useServices();
  const { worlds, reload } = useWorlds();
  const { settings, change } = useWorldInfoSettings();
  const [made, setMade] = useState<string | null>(null);
  const extensions = card.data.extensions ?? {};
  const primary = typeof extensions.world === 'string' ? extensions.world : '';
  const embedded = card.data.character_book as { entries?: unknown[] } | undefined;
  const setPrimary = (name: string) => {
    const next = { ...extensions, world: name };
    void engine.enqueue({ kind: 'character-put', characterId, card: { ...card, data: { ...card.data, extensions: next } } });
  };
  return (
    <section className="book-links stack" aria-label="World info">
      <h2>World info</h2>
      <BookSelect label="Primary book (in the card)" value={primary} books={worlds} onChange={setPrimary} />
      <BookChecklist
        legend="Additional books"
        values={settings.characterBooks[characterId] ?? []}
        books={worlds.filter((w) => w.name !== primary)}
        onChange={(names) => change({ characterBooks: { [characterId]: names } })}
      />
      {Array.isArray(embedded?.entries) && embedded.entries.length > 0 && !worlds.some((w) => w.name === primary) && (
        <p className="row">
          <span className="muted">The card carries a lorebook of {embedded.entries.length} entries; it is used as it is.</span>
          <button
            type="button"
            onClick={() => void api.worlds.fromCard(characterId).then((w) => (setMade(w.id), reload()))}
          >
            Make it a book
          </button>
          {made && <Link to={`/worlds/${made}`}>Open it</Link>}
        </p>
      )}
    </section>
  );
}

/** A persona's book: its entries can fire in every chat where the persona speaks. */
export function PersonaBookLink({ personaId }: { personaId: string }) {
  const { worlds } = useWorlds();
  const { settings, change } = useWorldInfoSettings();
  return (
    <BookSelect
      label="Book"
      value={settings.personaBooks[personaId] ?? ''}
      books={worlds}
      onChange={(name) => change({ personaBooks: { [personaId]: name || null } })}
    />
  );
}

/** The chat's own book (chat metadata `world_info`, as in SillyTavern). */
export function ChatBookForm({ chatId, onDone }: { chatId: string; onDone(): void }) {
  const { api, engine } = useServices();
  const { worlds } = useWorlds();
  const chat = useResource((signal) => api.chats.get(chatId, signal), [`chat:${chatId}`], `chat:${chatId}:book`);
  const current = chat.data?.metadata[CHAT_WORLD_KEY];
  const [value, setValue] = useState<string | null>(null);
  const shown = value ?? (typeof current === 'string' ? current : '');
  return (
    <form
      className="stack"
      onSubmit={(event) => {
        event.preventDefault();
        void engine.enqueue({ kind: 'chat-op', chatId, op: { opId: nanoid(), type: 'setMetadata', patch: { [CHAT_WORLD_KEY]: shown || null } } });
        onDone();
      }}
    >
      <BookSelect label="Chat book" value={shown} books={worlds} onChange={setValue} />
      <p className="muted">
        Its entries come first, before the persona&apos;s, the character&apos;s and the global books. <Link to="/worlds">Manage books</Link>
      </p>
      <div className="dialog-actions">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={!chat.data}>
          Save
        </button>
      </div>
    </form>
  );
}
