import { GenerationChoices } from './generation-choices.js';
import { nanoid } from 'nanoid';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ConfirmDialog } from '../../ui/confirm-dialog.js';
import { copyText } from '../../ui/copy-text.js';
import { useServices } from '../../ui/services.js';
import type { MarkdownRenderer } from '../../render/markdown-renderer.js';
import { useResource } from '../../ui/use-resource.js';
import type { ChatOpDraft } from '../../sync/change.js';
import type { GenerationMode } from '../../../shared/api/generation.js';
import { useChatPersona } from '../personas/use-chat-persona.js';
import { SEND_ON_ENTER, useSettings } from '../settings/use-settings.js';
import type { ViewMessage } from './apply-chat-ops.js';
import { ChatPersonaButton } from '../personas/chat-persona-button.js';
import { AuthorsNoteButton } from '../prompt/authors-note-button.js';
import { ChatHeader } from './chat-header.js';
import { Composer } from './composer.js';
import { MessageEditor } from './message-editor.js';
import { MessageItem, type MessageActions } from './message-item.js';
import { timeFormats } from './message-time.js';
import { MessageList } from './message-list.js';
import { useChatTimeline } from './use-chat-timeline.js';
import { withStreamedReasoning } from './reasoning-block.js';
import { useGeneration } from './use-generation.js';
import { ConnectModelPanel } from '../connections/connect-model-panel.js';
import { useConnections } from '../connections/use-connections.js';
import { BranchDialog } from './branch-dialog.js';
import { BranchTreeDialog } from './branch-tree-dialog.js';
import { useBranches } from './use-branches.js';
import { useUndo } from './use-undo.js';
import { GroupMembersBar } from '../groups/group-members-bar.js';
import { useGroupTurns } from '../groups/use-group-turns.js';
import './chat.css';

/**
 * Makes ready what a chat's first rows need (the markdown code, the time formats): cold, they cost the first rows
 * tens of ms. Done while the chat's first page is on its way, or when another screen is idle.
 */
export function prepareChatRows(markdown: MarkdownRenderer): void {
  markdown.warmUp();
  timeFormats();
}

export function ChatPage() {
  const { id = '' } = useParams();
  // ?at=<seq>: open at that message (a search hit), however far back it is.
  const at = Number.parseInt(useSearchParams()[0].get('at') ?? '', 10);
  const focusSeq = Number.isSafeInteger(at) ? at : undefined;
  return <ChatView key={`${id}@${focusSeq ?? ''}`} chatId={id} focusSeq={focusSeq} />;
}

function ChatView({ chatId, focusSeq }: { chatId: string; focusSeq: number | undefined }) {
  const { api, engine, markdown } = useServices();
  const timeline = useChatTimeline(chatId, focusSeq);
  // The page is asked for (a layout effect); what its rows need warms up while it is on its way.
  useEffect(() => {
    const timer = setTimeout(() => prepareChatRows(markdown), 0);
    return () => clearTimeout(timer);
  }, [markdown]);
  const chat = useResource((signal) => api.chats.get(chatId, signal), [`chat:${chatId}`], `chat:${chatId}`);
  const characterId = chat.data?.characterId ?? timeline.pendingCreate?.characterId ?? null;
  const character = useResource(
    (signal) => (characterId ? api.characters.get(characterId, signal) : Promise.resolve(null)),
    [`character:${characterId}`],
    `character:${characterId}`,
  );
  // A group chat: its members speak, each with its own picture (features/groups/).
  const groupId = chat.data?.groupId ?? timeline.pendingCreate?.groupId ?? null;
  const group = useResource(
    (signal) => (groupId ? api.groups.get(groupId, signal) : Promise.resolve(null)),
    ['groups', 'characters'],
    `group:${groupId}`,
  );
  const persona = useChatPersona(chatId, chat.data, character.data ?? null);
  const settings = useSettings();
  const connections = useConnections(settings);
  // A chat shared to write generates with its owner's connection.
  const sharedBy = chat.data?.sharedBy;
  const canGenerate = connections.list.length > 0 || sharedBy?.access === 'write';
  const generation = useGeneration(
    chatId,
    (messageId) => timeline.messages.find((m) => m.id === messageId)?.content ?? '',
    chat.data?.runningGeneration,
  );
  const turns = useGroupTurns(group.data ?? null, generation);
  const [editing, setEditing] = useState<{ id: string; text: string } | null>(null);
  // Regenerate or Continue asked while a reply is being written: offered after stopping it.
  const [askStop, setAskStop] = useState<GenerationMode | null>(null);
  // Bumped on every send: the list goes to the newest message, however far up the reader was.
  const [followSignal, setFollowSignal] = useState(0);
  const [deleting, setDeleting] = useState<ViewMessage | null>(null);
  const [branching, setBranching] = useState<ViewMessage | null>(null);
  const [showingTree, setShowingTree] = useState(false);
  const branches = useBranches(chatId);

  const busy = generation.busy;
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
      regenerate: () => (busy ? setAskStop('regenerate') : generation.start('regenerate')),
      continueReply: () => (busy ? setAskStop('continue') : generation.start('continue')),
      toggleHidden: (message) => void sendOp({ type: 'setHidden', messageId: message.id, hidden: !message.hidden }),
      toggleBookmark: (message) => void sendOp({ type: 'setBookmark', messageId: message.id, bookmarked: !message.bookmarked }),
      // A branch is a chat of the owner's library: a participant cannot make one.
      branchFrom: sharedBy ? undefined : (message) => setBranching(message),
      swipeBy: (message, step) => {
        const count = Math.max(message.swipes.length, 1);
        const index = message.swipeIndex + step;
        if (index >= 0 && index < count) void sendOp({ type: 'selectSwipe', messageId: message.id, index });
        else if (index === count && canGenerate && !busy && !message.hidden) generation.start('swipe');
      },
    }),
    [sendOp, generation.start, busy, canGenerate, sharedBy],
  );

  // Keys of the chat, as in SillyTavern: ←/→ swipe the last reply, Esc stops a reply. Not while typing or in a dialog.
  const lastMessage = timeline.hasNewer ? undefined : timeline.messages.at(-1);
  const { stop } = generation;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      if (document.querySelector('dialog[open]')) return;
      if (event.key === 'Escape' && busy) {
        event.preventDefault();
        stop();
        return;
      }
      const target = event.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select, [contenteditable="true"]');
      if (typing || (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight')) return;
      if (lastMessage?.role !== 'assistant' || editing) return;
      event.preventDefault();
      actions.swipeBy(lastMessage, event.key === 'ArrowRight' ? 1 : -1);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [busy, stop, lastMessage, editing, actions]);

  const editLast = () => {
    const mine = timeline.hasNewer ? undefined : timeline.messages.findLast((m) => m.role === 'user');
    if (mine) setEditing({ id: mine.id, text: mine.content });
  };

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
    setFollowSignal((n) => n + 1);
  };

  async function send(text: string) {
    toNewest();
    turns.interrupt();
    // The time it was typed travels with it: a message written offline keeps that time, not its arrival's.
    const createdAt = new Date().toISOString();
    await sendOp({ type: 'append', message: { id: nanoid(), role: 'user', name: persona.name, content: text, createdAt } });
    setReplyAsked(true);
  }

  // A send asks for a reply; whether one can come is known only once the connections, the chat (shared to write?)
  // and its group's order have loaded: Enter pressed right after opening a chat must not lose its reply.
  const [replyAsked, setReplyAsked] = useState(false);
  const knowsWhoAnswers =
    connections.loaded && (chat.data !== undefined || chat.error !== null) && (group.data !== undefined || group.error !== null);
  const startReply = generation.start;
  const manualOrder = group.data?.settings.strategy === 'manual';
  useEffect(() => {
    if (!replyAsked || !knowsWhoAnswers) return;
    setReplyAsked(false);
    // In manual order nobody answers until the user picks a member.
    if (canGenerate && !manualOrder) void startReply('new');
  }, [replyAsked, knowsWhoAnswers, canGenerate, manualOrder, startReply]);

  const running = generation.running;
  // The streamed text is laid over the reply's row until the chat shows the stored reply.
  const messages = useMemo(
    () =>
      running?.messageId
        ? timeline.messages.map((m) =>
            m.id === running.messageId
              ? {
                  ...m,
                  content: (running.continuedFrom === null ? '' : m.content.slice(0, running.continuedFrom)) + running.text,
                  status: 'streaming' as const,
                  extra: withStreamedReasoning(m.extra, running),
                  // What display scripts made of the text before it streams is not this text.
                  displayText: undefined,
                  displayReasoning: undefined,
                }
              : m,
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
  const undo = useUndo(chatId, sendOp);
  const memberAvatars = new Map((group.data?.members ?? []).map((m) => [m.characterId, m.avatarUrl]));
  const avatarOf = (message: ViewMessage) => (message.speakerId ? (memberAvatars.get(message.speakerId) ?? null) : avatarUrl);
  const characterName = character.data?.card.data.name ?? chat.data?.characterName ?? '';
  const names = useMemo(() => ({ user: persona.name, char: characterName }), [persona.name, characterName]);
  const title = timeline.pendingTitle ?? chat.data?.title ?? timeline.pendingCreate?.title ?? 'New chat';
  // The browser tab names the chat, so a reader with several open finds it.
  useEffect(() => {
    document.title = `${title} · Parley`;
    return () => {
      document.title = 'Parley';
    };
  }, [title]);

  const renderMessage = (message: ViewMessage, index: number) => (
    <MessageItem
      message={message}
      isLast={!timeline.hasNewer && index === messages.length - 1}
      avatarUrl={avatarOf(message)}
      names={names}
      userAvatarUrl={message.role === 'user' ? persona.avatarFor(message.name) : null}
      canGenerate={canGenerate}
      busy={generation.busy}
      stopped={(generation.stoppedIds.has(message.id) || message.extra.stopped === true) && message.status !== 'streaming'}
      actions={actions}
      branches={branches.at(message.seq)}
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
        title={title}
        character={character.data ?? null}
        group={group.data ?? null}
        sharedBy={sharedBy}
        sharedWith={chat.data?.characterName}
        onRename={(title) => void sendOp({ type: 'setTitle', title })}
        history={
          <>
            <button type="button" className="link-button" disabled={undo.label === null} title={undo.label ?? 'Nothing to undo'} onClick={undo.undo}>
              {undo.label ?? 'Undo'}
            </button>
            <button type="button" className="link-button" onClick={() => setShowingTree(true)}>
              Branches{branches.tree && branches.tree.chats.length > 1 ? ` (${branches.tree.chats.length - 1})` : ''}
            </button>
          </>
        }
        // Which connection and presets the replies use is the owner's choice too (the server refuses a participant's).
        choices={
          !sharedBy && (
            <GenerationChoices
              chatId={chatId}
              metadata={chat.data?.metadata ?? {}}
              character={character.data ?? null}
              settings={settings}
              connections={connections.list}
              onChatPatch={(patch) => void sendOp({ type: 'setMetadata', patch })}
            />
          )
        }
        note={
          <AuthorsNoteButton
            metadata={chat.data?.metadata ?? {}}
            characterId={character.data?.id ?? null}
            characterName={characterName}
            settings={settings}
            onSave={(patch) => void sendOp({ type: 'setMetadata', patch })}
          />
        }
        // The chat's persona is its owner's choice; a participant writes as their own default persona.
        persona={
          !sharedBy && (
            <ChatPersonaButton
              persona={persona}
              characterName={character.data?.card.data.name ?? null}
              onChoose={(personaId) => void sendOp({ type: 'setPersona', personaId })}
              onLock={(personaId) =>
                character.data && void engine.enqueue({ kind: 'character-persona', characterId: character.data.id, personaId })
              }
            />
          )
        }
      />
      {group.data && (
        <GroupMembersBar
          group={group.data}
          speakingId={running?.speakerId ?? null}
          busy={generation.busy}
          canGenerate={canGenerate}
          auto={turns.auto}
          onSpeak={(id) => {
            toNewest();
            turns.speak(id);
          }}
          onMute={(id, muted) => {
            const members = group.data!.members;
            const mutedIds = members.flatMap((m) => (m.characterId && (m.characterId === id ? muted : m.muted) ? [m.characterId] : []));
            void engine.enqueue({ kind: 'group-patch', groupId: group.data!.id, request: { mutedIds } });
          }}
          onAuto={turns.setAuto}
        />
      )}
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
          followSignal={followSignal}
          renderMessage={renderMessage}
          focusId={focusSeq === undefined ? null : (timeline.messages.find((m) => m.seq === focusSeq)?.id ?? null)}
        />
      )}
      {connections.loaded && !canGenerate && <ConnectModelPanel compact />}
      {generation.problem && (
        <div className="generation-problem notice" role="alert">
          <span>{generation.problem.message}</span>
          <span className="generation-problem-actions">
            {generation.problem.retry && canGenerate && (
              <button
                type="button"
                onClick={() => {
                  const mode = generation.problem?.retry;
                  if (mode) generation.start(mode);
                }}
              >
                Retry
              </button>
            )}
            <button type="button" className="link-button" onClick={generation.dismissProblem}>
              Dismiss
            </button>
          </span>
        </div>
      )}
      {sharedBy?.access === 'read' ? (
        <p className="centered muted">Shared with you to read: {sharedBy.name} writes here.</p>
      ) : (
        <Composer
          chatId={chatId}
          onSend={send}
          generating={generation.busy}
          onStop={() => {
            turns.interrupt();
            generation.stop();
          }}
          onTyping={turns.interrupt}
          onEditLast={editLast}
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
      )}
      <BranchDialog chatId={chatId} message={branching} onClose={() => setBranching(null)} />
      <BranchTreeDialog chatId={chatId} tree={branches.tree} open={showingTree} onClose={() => setShowingTree(false)} />
      <ConfirmDialog
        title="A reply is being written"
        message={`Stop the reply being written and ${askStop === 'continue' ? 'continue the last one' : 'write another'}? What it wrote so far is kept.`}
        confirmLabel={askStop === 'continue' ? 'Stop and continue' : 'Stop and regenerate'}
        open={askStop !== null}
        onCancel={() => setAskStop(null)}
        onConfirm={() => {
          if (askStop) void generation.stopThenStart(askStop, null);
          setAskStop(null);
        }}
      />
      <ConfirmDialog
        title="Another reply is being written"
        message="A reply is being written in this chat (maybe on another device). Stop it first? What it wrote so far is kept."
        confirmLabel="Stop it and go on"
        open={generation.refusal !== null}
        onCancel={generation.dismissRefusal}
        onConfirm={() => generation.refusal && void generation.stopThenStart(generation.refusal.mode, generation.refusal.generationId)}
      />
      <ConfirmDialog
        title="Delete message"
        message="Move this message and its swipes to the trash? Undo brings it back."
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
