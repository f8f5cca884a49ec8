import { Link, useParams, useSearchParams } from 'react-router';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../app/services.js';
import { usePendingChanges } from '../../app/use-pending-changes.js';
import { useResource } from '../../app/use-resource.js';
import { CharacterEditor } from './character-editor.js';
import { ChatList } from './chat-list.js';
import './characters.css';

export function CharacterPage() {
  const { id = '' } = useParams();
  const { api } = useServices();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'card' ? 'card' : 'chats';
  const character = useResource((signal) => api.characters.get(id, signal), [`character:${id}`, 'characters'], `character:${id}`);
  const pendingCards = usePendingChanges(
    (change) => (change.kind === 'character-put' && change.characterId === id ? change.card : null),
    character.data,
  );

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

  return (
    <div className="character-page">
      <header className="character-head">
        {data.avatarUrl ? (
          <img className="character-head-avatar" src={data.avatarUrl} alt="" />
        ) : (
          <span className="character-head-avatar character-letter" aria-hidden="true">
            {card.name.charAt(0).toUpperCase()}
          </span>
        )}
        <div>
          <h1>{card.name}</h1>
          {card.creator && <p className="muted">by {card.creator}</p>}
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
          <CharacterEditor key={data.updatedAt} character={data} pendingCard={pendingCards.at(-1) ?? null} />
        ) : (
          <ChatList characterId={id} />
        )}
      </div>
    </div>
  );
}
