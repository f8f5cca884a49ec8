import { nanoid } from 'nanoid';
import { useCallback, useEffect, useMemo, useState } from 'react';
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
import { useGeneration } from './use-generation.js';
import { ConnectModelPanel } from '../connections/connect-model-panel.js';
import { useConnections } from '../connections/use-connections.js';
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
  const connections = useConnections(settings);
  const canGenerate = connections.list.length > 0;
  const generation = useGeneration(chatId, (messageId) => timeline.messages.find((m) => m.id === messageId)?.content ?? '');
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
      swipeNew: () => void generation.start('swipe'),
      regenerate: () => void generation.start('regenerate'),
      continueReply: () => void generation.start('continue'),
    }),
    [sendOp, generation.start],
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

  // What is written or generated shows at the newest end: a reader far back in a long history goes there.
  const toNewest = () => {
    if (timeline.hasNewer) timeline.showNewest();
  };

  async function send(text: string) {
    toNewest();
    await sendOp({ type: 'append', message: { id: nanoid(), role: 'user', name: userName, content: text } });
    if (canGenerate) void generation.start('new');
  }

  const running = generation.running;
  // The streamed text is laid over the reply's row until the chat shows the stored reply.
  const messages = useMemo(
    () =>
      running?.messageId
        ? timeline.messages.map((m) =>
            m.id === running.messageId ? { ...m, content: running.prefix + running.text, status: 'streaming' as const } : m,
          )
        : timeline.messages,
    [timeline.messages, running],
  );
  const storedReply = running?.messageId ? timeline.messages.find((m) => m.id === running.messageId) : undefined;
  const { settle } = generation;
  useEffect(() => {
    if (running?.finished && storedReply?.status !== 'streaming') settle();
  }, [running?.finished, storedReply?.status, settle]);
  const avatarUrl = character.data?.avatarUrl ?? null;

  const renderMessage = (message: ViewMessage, index: number) => (
    <MessageItem
      message={message}
      isLast={!timeline.hasNewer && index === messages.length - 1}
      avatarUrl={avatarUrl}
      canGenerate={canGenerate}
      busy={generation.busy}
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
          key={timeline.epoch}
          messages={messages}
          hasOlder={timeline.hasOlder}
          hasNewer={timeline.hasNewer}
          loading={timeline.loading}
          onNearTop={timeline.loadOlder}
          onNearBottom={timeline.loadNewer}
          onJumpToNewest={timeline.showNewest}
          renderMessage={renderMessage}
        />
      )}
      {connections.loaded && !canGenerate && <ConnectModelPanel compact />}
      {generation.problem && (
        <div className="generation-problem notice" role="alert">
          <span>{generation.problem}</span>
          <button type="button" className="link-button" onClick={generation.dismissProblem}>
            Dismiss
          </button>
        </div>
      )}
      <Composer
        chatId={chatId}
        onSend={send}
        generating={generation.busy}
        onStop={generation.stop}
        sendOnEnter={settings.values[SEND_ON_ENTER] !== false}
        onEmptySend={
          canGenerate
            ? () => {
                toNewest();
                void generation.start('new');
              }
            : undefined
        }
        incoming={running?.mode === 'impersonate' ? running.text : null}
        tools={
          canGenerate && (
            <button
              type="button"
              className="link-button"
              disabled={generation.busy}
              title="Let the model write your next message"
              onClick={() => void generation.start('impersonate')}
            >
              Impersonate
            </button>
          )
        }
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
