import { nanoid } from 'nanoid';
import { useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { ChatSummary } from '../../../shared/api/chats.js';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { useServices } from '../../ui/services.js';
import { usePendingChanges } from '../../ui/use-pending-changes.js';
import { useResource } from '../../ui/use-resource.js';
import { RenameDialog } from '../chat/rename-dialog.js';
import { ImportNotes } from './import-notes.js';
import { useFileImport } from './use-file-import.js';

const when = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A character's chats: start one, open, rename, delete, import and export SillyTavern .jsonl files. */
export function ChatList({ characterId }: { characterId: string }) {
  const { api, engine } = useServices();
  const navigate = useNavigate();
  const chats = useResource((signal) => api.chats.list(characterId, signal), ['chats'], `chats:${characterId}`);
  const pendingCreates = usePendingChanges(
    (change) => (change.kind === 'chat-create' && change.request.characterId === characterId ? change.request : null),
    chats.data,
  );
  const pendingTitles = usePendingChanges(
    (change) => (change.kind === 'chat-op' && change.op.type === 'setTitle' ? { chatId: change.chatId, title: change.op.title } : null),
    chats.data,
  );
  const [deletedHere, setDeletedHere] = useState<ReadonlySet<string>>(new Set());
  const [renaming, setRenaming] = useState<{ chatId: string; title: string } | null>(null);
  const [deleting, setDeleting] = useState<ChatSummary | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const imports = useFileImport(
    (file) => api.chats.import(characterId, file),
    (result) =>
      `Imported ${result.imported} messages` +
      (result.skippedLines.length > 0 ? `; ${result.skippedLines.length} unreadable lines skipped` : ''),
    chats.reload,
  );

  async function startChat() {
    const id = nanoid();
    await engine.enqueue({ kind: 'chat-create', request: { id, characterId } });
    navigate(`/chats/${id}`);
  }

  function rename(chatId: string, title: string) {
    void engine.enqueue({ kind: 'chat-op', chatId, op: { opId: nanoid(), type: 'setTitle', title } });
  }

  async function confirmDelete() {
    const chat = deleting;
    setDeleting(null);
    if (!chat) return;
    await engine.enqueue({ kind: 'chat-delete', chatId: chat.id });
    setDeletedHere((prev) => new Set([...prev, chat.id]));
  }

  const titles = new Map(pendingTitles.map((item) => [item.chatId, item.title]));
  const server = chats.data ?? [];
  const known = new Set(server.map((chat) => chat.id));
  const now = new Date().toISOString();
  const list: ChatSummary[] = [
    ...pendingCreates
      .filter((request) => !known.has(request.id))
      .map((request) => ({ id: request.id, characterId, groupId: null, title: request.title ?? 'New chat', messageCount: 0, updatedAt: now })),
    ...server,
  ].filter((chat) => !deletedHere.has(chat.id));

  return (
    <section className="chat-list-section" aria-label="Chats">
      <div className="row">
        <button type="button" className="primary" onClick={() => void startChat()}>
          New chat
        </button>
        <button type="button" disabled={imports.busy} onClick={() => fileInput.current?.click()}>
          {imports.busy ? 'Importing…' : 'Import .jsonl'}
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".jsonl,application/jsonl,application/x-ndjson"
          hidden
          aria-label="Chat files"
          onChange={(event) => {
            if (event.target.files) void imports.importFiles([...event.target.files]);
            event.target.value = '';
          }}
        />
      </div>
      <ImportNotes notes={imports.notes} onDismiss={imports.dismiss} />
      {chats.loading && !chats.data ? (
        <p className="muted">Loading chats…</p>
      ) : list.length === 0 ? (
        <p className="muted">No chats yet. Start one — the character’s greeting opens it.</p>
      ) : (
        <ul className="chat-list">
          {list.map((chat) => (
            <li key={chat.id} className="chat-list-item">
              <Link to={`/chats/${chat.id}`} className="chat-list-link">
                <span className="chat-list-title">{titles.get(chat.id) ?? chat.title}</span>
                <span className="muted chat-list-facts">
                  {chat.messageCount} messages · {when(chat.updatedAt)}
                </span>
              </Link>
              <div className="row chat-list-actions">
                <button
                  type="button"
                  className="link-button"
                  onClick={() => setRenaming({ chatId: chat.id, title: titles.get(chat.id) ?? chat.title })}
                >
                  Rename
                </button>
                <a className="button link-button" href={api.chats.exportUrl(chat.id)} download>
                  Export
                </a>
                <button type="button" className="link-button danger" onClick={() => setDeleting(chat)}>
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <RenameDialog
        title={renaming?.title ?? null}
        onRename={(title) => renaming && rename(renaming.chatId, title)}
        onClose={() => setRenaming(null)}
      />
      <ConfirmDialog
        title="Delete chat"
        message={deleting ? `Delete “${deleting.title}” and its ${deleting.messageCount} messages?` : ''}
        confirmLabel="Delete"
        open={deleting !== null}
        onCancel={() => setDeleting(null)}
        onConfirm={() => void confirmDelete()}
      />
    </section>
  );
}
