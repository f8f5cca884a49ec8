import { useState } from 'react';
import { Link } from 'react-router';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import './recent.css';

/** Chats shown on the home screen: the newest across every character. */
const RECENT = 8;
const BOOKMARKS = 8;

const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The character's thumbnail, or its initial when it has none (the thumbnail answers 404). */
function CharacterPicture({ id, name }: { id: string | null; name: string }) {
  const [failed, setFailed] = useState(false);
  // A group chat has no one character: its first letter stands in.
  if (failed || id === null) {
    return (
      <span className="recent-avatar recent-letter" aria-hidden="true">
        {name.trim().charAt(0).toUpperCase() || '?'}
      </span>
    );
  }
  return <img className="recent-avatar" src={`/api/characters/${encodeURIComponent(id)}/thumbnail`} alt="" loading="lazy" onError={() => setFailed(true)} />;
}

/** The home screen's way back in: the newest chats across all characters, and the newest bookmarks. */
export function RecentChats() {
  const { api } = useServices();
  const recent = useResource((signal) => api.chats.recent(RECENT, signal), ['chats', 'characters'], 'recent-chats');
  const marks = useResource((signal) => api.chats.bookmarks(signal), ['chats'], 'bookmarks');
  const chats = recent.data ?? [];
  const bookmarks = (marks.data?.bookmarks ?? []).slice(0, BOOKMARKS);
  if (chats.length === 0 && bookmarks.length === 0) return null;
  return (
    <div className="recent">
      {chats.length > 0 && (
        <section className="recent-section" aria-labelledby="recent-chats-title">
          <h2 id="recent-chats-title">Recent chats</h2>
          <ul className="recent-list">
            {chats.map((chat) => (
              <li key={chat.id}>
                <Link to={`/chats/${chat.id}`} className="recent-item">
                  {/* A shared chat's character is in its owner's library: its picture is theirs to read. */}
                  <CharacterPicture id={chat.sharedBy ? null : chat.characterId} name={chat.characterName ?? ''} />
                  <span className="recent-text">
                    <strong>{chat.characterName}</strong>
                    <span className="muted">
                      {chat.title}
                      {chat.sharedBy && ` · shared by ${chat.sharedBy.name}`}
                    </span>
                  </span>
                  <span className="muted recent-when">{when(chat.updatedAt)}</span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
      {bookmarks.length > 0 && (
        <section className="recent-section" aria-labelledby="bookmarks-title">
          <h2 id="bookmarks-title">Bookmarks</h2>
          <ul className="recent-list">
            {bookmarks.map((mark) => (
              <li key={`${mark.chatId}/${mark.message.id}`}>
                <Link to={`/chats/${mark.chatId}`} className="recent-item">
                  <span className="recent-star" aria-hidden="true">
                    ★
                  </span>
                  <span className="recent-text">
                    <strong>{mark.message.name}</strong>
                    <span className="recent-snippet">{mark.message.content.slice(0, 140)}</span>
                    <span className="muted">{mark.chatTitle}</span>
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
