import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { Card } from '../../../shared/api/characters.js';
import { AvatarPicker } from '../../ui/avatar-picker.js';
import { readAsDataUrl } from '../../ui/crop-image.js';
import { useServices } from '../../ui/services.js';
import { blankCard, readNewDraft } from './card-draft.js';
import { CardFields } from './card-fields.js';
import './characters.css';

const DRAFT_KEY = 'card:new';
type CardData = Card['data'];

/**
 * A character made from scratch: every card field and a picture framed in the browser. It is created when the user
 * says so (the server gives its id, which the picture then goes to); until then the fields are kept in this browser.
 */
export function NewCharacterPage() {
  const { api, drafts } = useServices();
  const navigate = useNavigate();
  const [card, setCard] = useState<Card>(() => readNewDraft(drafts.load(DRAFT_KEY)) ?? blankCard());
  const [picture, setPicture] = useState<{ image: Blob; preview: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const data = card.data;
  const named = data.name.trim() !== '';

  function setData(patch: Partial<CardData>) {
    const next: Card = { ...card, data: { ...card.data, ...patch } };
    setCard(next);
    drafts.save(DRAFT_KEY, JSON.stringify(next));
  }

  async function create() {
    if (!named || busy) return;
    setBusy(true);
    setProblem(null);
    try {
      const created = await api.characters.create({ ...card, data: { ...data, name: data.name.trim() } });
      drafts.save(DRAFT_KEY, '');
      let pictureProblem: string | null = null;
      if (picture) {
        try {
          await api.characters.setAvatar(created.id, picture.image);
        } catch (error) {
          pictureProblem = `The picture was not saved (${(error as Error).message}); add it again here.`;
        }
      }
      navigate(`/characters/${created.id}?tab=card`, { state: { problem: pictureProblem } });
    } catch (error) {
      setProblem(`${data.name} was not created: ${(error as Error).message}. Your fields are kept in this browser.`);
      setBusy(false);
    }
  }

  return (
    <div className="character-page">
      <header className="character-head">
        <AvatarPicker
          name={data.name}
          imageUrl={picture?.preview ?? null}
          shape="portrait"
          onPicture={async (image) => setPicture({ image, preview: await readAsDataUrl(image) })}
        />
        <div className="character-head-text">
          <h1>New character</h1>
          <p className="muted">Fill in what you like; only the name is needed. The picture is 2:3, like SillyTavern’s cards.</p>
        </div>
      </header>
      <form
        className="character-editor stack"
        onSubmit={(event) => {
          event.preventDefault();
          void create();
        }}
      >
        <CardFields data={data} onChange={setData} />
        <div className="editor-bar">
          {!named && <span className="form-problem">A character needs a name.</span>}
          {problem && (
            <span className="form-problem" role="alert">
              {problem}
            </span>
          )}
          <span className="spacer" />
          <button type="submit" className="primary" disabled={!named || busy}>
            {busy ? 'Creating…' : 'Create character'}
          </button>
        </div>
      </form>
    </div>
  );
}
