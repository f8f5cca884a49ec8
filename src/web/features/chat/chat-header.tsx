import { lazy, Suspense, useState } from 'react';
import { Link } from 'react-router';
import type { Character } from '../../../shared/api/characters.js';
import { useServices } from '../../app/services.js';
import { RenameDialog } from './rename-dialog.js';

// Fetched when first opened: the chat paints without it.
const PromptInspector = lazy(() => import('./prompt-inspector.js').then((m) => ({ default: m.PromptInspector })));

interface ChatHeaderProps {
  chatId: string;
  title: string;
  character: Character | null;
  onRename(title: string): void;
}

export function ChatHeader({ chatId, title, character, onRename }: ChatHeaderProps) {
  const { api } = useServices();
  const [renaming, setRenaming] = useState<string | null>(null);
  const [inspecting, setInspecting] = useState(false);

  return (
    <div className="chat-header">
      {character && (
        <Link className="chat-back" to={`/characters/${character.id}`} aria-label={`Back to ${character.card.data.name}`}>
          {character.avatarUrl ? (
            <img className="chat-header-avatar" src={character.avatarUrl} alt="" />
          ) : (
            <span aria-hidden="true">‹</span>
          )}
        </Link>
      )}
      <div className="chat-heading">
        <h1 className="chat-title">{title}</h1>
        {character && <span className="muted chat-subtitle">with {character.card.data.name}</span>}
      </div>
      <div className="row chat-tools">
        <button type="button" className="link-button" onClick={() => setInspecting(true)}>
          Prompt
        </button>
        <button type="button" className="link-button" onClick={() => setRenaming(title)}>
          Rename
        </button>
        <a className="button link-button" href={api.chats.exportUrl(chatId)} download>
          Export
        </a>
      </div>
      <RenameDialog title={renaming} onRename={onRename} onClose={() => setRenaming(null)} />
      {inspecting && (
        <Suspense fallback={null}>
          <PromptInspector chatId={chatId} open onClose={() => setInspecting(false)} />
        </Suspense>
      )}
    </div>
  );
}
