import { useState } from 'react';
import { Link, useLocation, useNavigate, useParams, useSearchParams } from 'react-router';
import { isFavourite } from '../../../shared/api/characters.js';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../ui/services.js';
import { usePendingChanges } from '../../ui/use-pending-changes.js';
import { useResource } from '../../ui/use-resource.js';
import { CharacterBookLinks } from '../worlds/book-links.js';
import { CardRegexScripts } from '../regex/card-regex-scripts.js';
import { AvatarPicker } from '../../ui/avatar-picker.js';
import { CharacterEditor } from './character-editor.js';
import { FavouriteToggle } from './favourite-toggle.js';
import { ChatList } from './chat-list.js';
import './characters.css';

export function CharacterPage() {
  const { id = '' } = useParams();
  const { api } = useServices();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'card' ? 'card' : 'chats';
  const character = useResource((signal) => api.characters.get(id, signal), [`character:${id}`, 'characters'], `character:${id}`);
  const pendingCards = usePendingChanges(
    (change) => (change.kind === 'character-put' && change.characterId === id ? change.card : null),
    character.data,
  );

  const pendingFavourites = usePendingChanges(
    (change) => (change.kind === 'character-favourite' ? { characterId: change.characterId, favourite: change.favourite } : null),
    character.data,
  );
  const [copying, setCopying] = useState(false);
  // A problem the page that sent us here could not show (a new character whose picture did not upload).
  const location = useLocation();
  const [problem, setProblem] = useState<string | null>((location.state as { problem?: string | null } | null)?.problem ?? null);

  if (character.error instanceof RequestError && character.error.status === 404) {
    return (
      <div className="centered">
        <h1>This character is not here</h1>
        <p className="muted">It may have been deleted, or the link is wrong.</p>
        <Link to="/">Back to characters</Link>
      </div>
    );
  }
  const data = character.data;
  if (!data) return <p className="muted">Loading…</p>;
  const card = pendingCards.at(-1)?.data ?? data.card.data;
  const favourite = pendingFavourites.filter((change) => change.characterId === id).at(-1)?.favourite ?? isFavourite(data.card);

  async function duplicate() {
    setCopying(true);
    setProblem(null);
    try {
      const copy = await api.characters.duplicate(id);
      navigate(`/characters/${copy.id}?tab=card`);
    } catch (error) {
      setProblem(`It was not duplicated: ${(error as Error).message}`);
    } finally {
      setCopying(false);
    }
  }

  return (
    <div className="character-page">
      <header className="character-head">
        <AvatarPicker
          name={card.name}
          imageUrl={data.avatarUrl}
          shape="portrait"
          onPicture={async (image) => {
            await api.characters.setAvatar(id, image);
            character.reload();
          }}
        />
        <div className="character-head-text">
          <h1>{card.name}</h1>
          {card.creator && <p className="muted">by {card.creator}</p>}
          <div className="row character-head-actions">
            <FavouriteToggle characterId={id} name={card.name} favourite={favourite} />
            <button type="button" disabled={copying} onClick={() => void duplicate()}>
              {copying ? 'Duplicating…' : 'Duplicate'}
            </button>
          </div>
          {problem && (
            <p className="form-problem" role="alert">
              {problem}
            </p>
          )}
        </div>
      </header>
      <div className="tabs" role="tablist" aria-label="Character">
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'chats'}
          onClick={() => setParams({}, { replace: true })}
        >
          Chats
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={tab === 'card'}
          onClick={() => setParams({ tab: 'card' }, { replace: true })}
        >
          Card
        </button>
      </div>
      <div role="tabpanel" aria-label={tab === 'card' ? 'Card' : 'Chats'}>
        {tab === 'card' ? (
          <>
            <CharacterEditor key={data.updatedAt} character={data} pendingCard={pendingCards.at(-1) ?? null} />
            <CharacterBookLinks characterId={id} card={pendingCards.at(-1) ?? data.card} />
            <CardRegexScripts characterId={id} card={pendingCards.at(-1) ?? data.card} />
          </>
        ) : (
          <ChatList characterId={id} />
        )}
      </div>
    </div>
  );
}
