import { lazy, Suspense, useState, type ReactNode } from 'react';
import { nanoid } from 'nanoid';
import { Link, useNavigate } from 'react-router';
import { describeError } from '../../api/request-error.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import type { Character } from '../../../shared/api/characters.js';
import type { Group } from '../../../shared/api/groups.js';
import type { SharedBy } from '../../../shared/api/shares.js';
import { GroupAvatar } from '../groups/group-avatar.js';
import { useServices } from '../../ui/services.js';
import { ChatBookButton } from '../worlds/chat-book-button.js';
import { RenameDialog } from './rename-dialog.js';
import { ShareDialog } from './share-dialog.js';

// Fetched when first opened: the chat paints without it.
const PromptInspector = lazy(() => import('./prompt-inspector.js').then((m) => ({ default: m.PromptInspector })));

interface ChatHeaderProps {
  chatId: string;
  title: string;
  character: Character | null;
  /** A group chat's group (then `character` is null). */
  group?: Group | null;
  onRename(title: string): void;
  /** Who the user speaks as (the persona chooser). */
  persona?: ReactNode;
  /** Undo and the branch tree. */
  history?: ReactNode;
  /** The Author's Note button. */
  note?: ReactNode;
  /** What the next reply uses (connection, system prompt, preset) and where it comes from. */
  choices?: ReactNode;
  /** A chat another account shares with the user: whose it is, and whom it is with. */
  sharedBy?: SharedBy | undefined;
  sharedWith?: string | undefined;
}

export function ChatHeader({ chatId, title, character, group, onRename, persona, history, note, choices, sharedBy, sharedWith }: ChatHeaderProps) {
  const { api } = useServices();
  const [renaming, setRenaming] = useState<string | null>(null);
  const [inspecting, setInspecting] = useState(false);
  const [converting, setConverting] = useState(false);
  const [sharing, setSharing] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const navigate = useNavigate();
  // Made once per dialog: a repeated click returns the group made the first time.
  const [convertIds, setConvertIds] = useState(() => ({ groupId: nanoid(), chatId: nanoid() }));

  async function convert() {
    setConverting(false);
    try {
      const { chat } = await api.groups.convertChat(chatId, convertIds);
      setConvertIds({ groupId: nanoid(), chatId: nanoid() });
      void navigate(`/chats/${chat.id}`);
    } catch (error) {
      setProblem(`Not converted: ${describeError(error)}`);
    }
  }

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
      {group && (
        <Link className="chat-back" to={`/groups/${group.id}`} aria-label={`Back to ${group.name}`}>
          <GroupAvatar group={group} size="small" />
        </Link>
      )}
      <div className="chat-heading">
        <h1 className="chat-title">{title}</h1>
        {character && <span className="muted chat-subtitle">with {character.card.data.name}</span>}
        {group && <span className="muted chat-subtitle">group: {group.name}</span>}
        {choices}
        {sharedBy && (
          <span className="muted chat-subtitle">
            with {sharedWith} · shared by {sharedBy.name} ({sharedBy.access === 'write' ? 'you can write' : 'read only'})
          </span>
        )}
      </div>
      {persona}
      <div className="row chat-tools">
        {history}
        <button type="button" className="link-button" onClick={() => setInspecting(true)}>
          Prompt
        </button>
        {note}
        {/* The chat's book is its owner's choice (a participant's reply runs in the owner's library). */}
        {!sharedBy && <ChatBookButton chatId={chatId} />}
        <button type="button" className="link-button" onClick={() => setRenaming(title)}>
          Rename
        </button>
        <a className="button link-button" href={api.chats.exportUrl(chatId)} download>
          Export
        </a>
        {character && (
          <button type="button" className="link-button" onClick={() => setConverting(true)}>
            Convert to group
          </button>
        )}
        {!sharedBy && (
          <button type="button" className="link-button" onClick={() => setSharing(true)}>
            Share
          </button>
        )}
      </div>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      <ConfirmDialog
        title="Convert to group chat"
        message="Make a new group with this character, and a group chat holding a copy of this chat? This chat stays as it is."
        confirmLabel="Convert"
        open={converting}
        onCancel={() => setConverting(false)}
        onConfirm={() => void convert()}
      />
      {sharing && <ShareDialog chatId={chatId} open onClose={() => setSharing(false)} />}
      <RenameDialog title={renaming} onRename={onRename} onClose={() => setRenaming(null)} />
      {inspecting && (
        <Suspense fallback={null}>
          <PromptInspector chatId={chatId} open onClose={() => setInspecting(false)} />
        </Suspense>
      )}
    </div>
  );
}
