import { nanoid } from 'nanoid';
import { useCallback, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ConfirmDialog } from '../../app/confirm-dialog.js';
import { copyText } from '../../app/copy-text.js';
import { useServices } from '../../app/services.js';
import { useResource } from '../../app/use-resource.js';
import type { ChatOpDraft } from '../../sync/change.js';
import { useUserName } from '../personas/use-user-name.js';
import { SEND_ON_ENTER, useSettings } from '../settings/use-settings.js';
import type { ViewMessage } from './apply-chat-ops.js';
import { ChatHeader } from './chat-header.js';
import { Composer } from './composer.js';
import { MessageEditor } from './message-editor.js';
import { MessageItem, type MessageActions } from './message-item.js';
import { MessageList } from './message-list.js';
import { useChatTimeline } from './use-chat-timeline.js';
import './chat.css';

export function ChatPage() {
  const { id = '' } = useParams();
  return <ChatView key={id} chatId={id} />;
}

function ChatView({ chatId }: { chatId: string }) {
  const { api, engine } = useServices();
  const timeline = useChatTimeline(chatId);
  const chat = useResource((signal) => api.chats.get(chatId, signal), [`chat:${chatId}`], `chat:${chatId}`);
  const characterId = chat.data?.characterId ?? timeline.pendingCreate?.characterId ?? null;
  const character = useResource(
    (signal) => (characterId ? api.characters.get(characterId, signal) : Promise.resolve(null)),
    [`character:${characterId}`],
    `character:${characterId}`,
  );
  const userName = useUserName();
  const settings = useSettings();
  const [editing, setEditing] = useState<{ id: string; text: string } | null>(null);
  const [deleting, setDeleting] = useState<ViewMessage | null>(null);

  const sendOp = useCallback(
    (op: ChatOpDraft) => engine.enqueue({ kind: 'chat-op', chatId, op: { ...op, opId: nanoid() } }),
    [engine, chatId],
  );

  const actions = useMemo<MessageActions>(
    () => ({
      startEdit: (message) => setEditing({ id: message.id, text: message.content }),
      remove: (message) => setDeleting(message),
      copy: (message) => void copyText(message.content),
      selectSwipe: (message, index) => void sendOp({ type: 'selectSwipe', messageId: message.id, index }),
      swipeNew: () => {},
      regenerate: () => {},
      continueReply: () => {},
    }),
    [sendOp],
  );

  async function saveEdit(message: ViewMessage, text: string) {
    setEditing(null);
    if (text === message.content) return;
    // A message with changes still queued here has no server revision to stand on; our own ops stay in order.
    await sendOp({
      type: 'edit',
      messageId: message.id,
      content: text,
      ...(!message.pending && { baseRevision: message.revision }),
    });
  }

  async function send(text: string) {
    await sendOp({ type: 'append', message: { id: nanoid(), role: 'user', name: userName, content: text } });
  }

  const messages = timeline.messages;
  const avatarUrl = character.data?.avatarUrl ?? null;

  const renderMessage = (message: ViewMessage, index: number) => (
    <MessageItem
      message={message}
      isLast={index === messages.length - 1}
      avatarUrl={avatarUrl}
      canGenerate={false}
      busy={false}
      actions={actions}
      editor={
        editing?.id === message.id ? (
          <MessageEditor
            text={editing.text}
            onChange={(text) => setEditing({ id: message.id, text })}
            onSave={() => void saveEdit(message, editing.text)}
            onCancel={() => setEditing(null)}
          />
        ) : null
      }
    />
  );

  if (timeline.status === 'missing') {
    return (
      <div className="centered">
        <h1>This chat is not here</h1>
        <p className="muted">It may have been deleted, or the link is wrong.</p>
        <Link to="/">Back to characters</Link>
      </div>
    );
  }

  return (
    <div className="chat-view">
      <ChatHeader
        chatId={chatId}
        title={timeline.pendingTitle ?? chat.data?.title ?? timeline.pendingCreate?.title ?? 'New chat'}
        character={character.data ?? null}
        onRename={(title) => void sendOp({ type: 'setTitle', title })}
      />
      {timeline.status === 'loading' ? (
        <p className="centered muted">Loading…</p>
      ) : timeline.status === 'error' ? (
        <p className="centered muted">The chat could not be loaded right now. It will load when the server answers.</p>
      ) : (
        <MessageList
          messages={messages}
          hasMore={timeline.hasMore}
          loadingOlder={timeline.loadingOlder}
          onNearTop={timeline.loadOlder}
          renderMessage={renderMessage}
        />
      )}
      <Composer
        chatId={chatId}
        onSend={send}
        generating={false}
        onStop={() => {}}
        sendOnEnter={settings.values[SEND_ON_ENTER] !== false}
      />
      <ConfirmDialog
        title="Delete message"
        message="Delete this message? Its swipes go with it."
        confirmLabel="Delete"
        open={deleting !== null}
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          if (deleting) void sendOp({ type: 'delete', messageId: deleting.id });
          setDeleting(null);
        }}
      />
    </div>
  );
}
