import { memo, useMemo, type ReactNode } from 'react';
import { useServices } from '../../app/services.js';
import type { ViewMessage } from './apply-chat-ops.js';

export interface MessageActions {
  startEdit(message: ViewMessage): void;
  remove(message: ViewMessage): void;
  copy(message: ViewMessage): void;
  selectSwipe(message: ViewMessage, index: number): void;
  /** Past the last swipe of the newest reply: generate another. */
  swipeNew(message: ViewMessage): void;
  regenerate(): void;
  continueReply(): void;
}

interface MessageItemProps {
  message: ViewMessage;
  isLast: boolean;
  avatarUrl: string | null;
  canGenerate: boolean;
  busy: boolean;
  actions: MessageActions;
  editor: ReactNode;
}

function Avatar({ name, url }: { name: string; url: string | null }) {
  if (url) return <img className="message-avatar" src={url} alt="" loading="lazy" />;
  return (
    <span className="message-avatar message-avatar-letter" aria-hidden="true">
      {name.trim().charAt(0).toUpperCase() || '?'}
    </span>
  );
}

function SwipeControls({ message, isLast, canGenerate, busy, actions }: Omit<MessageItemProps, 'avatarUrl' | 'editor'>) {
  const count = Math.max(message.swipes.length, 1);
  const index = message.swipeIndex;
  const atLast = index >= count - 1;
  const canNew = isLast && canGenerate && !busy;
  return (
    <div className="swipes" aria-label="Swipes">
      <button
        type="button"
        className="link-button"
        aria-label="Previous swipe"
        disabled={index === 0}
        onClick={() => actions.selectSwipe(message, index - 1)}
      >
        ‹
      </button>
      <span className="swipe-counter">
        {index + 1}/{count}
      </span>
      <button
        type="button"
        className="link-button"
        aria-label={atLast ? 'Generate another swipe' : 'Next swipe'}
        disabled={atLast && !canNew}
        onClick={() => (atLast ? actions.swipeNew(message) : actions.selectSwipe(message, index + 1))}
      >
        ›
      </button>
    </div>
  );
}

/** One message: sanitized markdown, its swipes and its actions. Memoized: a 50,000-message chat re-renders few. */
export const MessageItem = memo(function MessageItem(props: MessageItemProps) {
  const { message, isLast, avatarUrl, canGenerate, busy, actions, editor } = props;
  const { markdown } = useServices();
  const html = useMemo(() => markdown.render(message.content), [markdown, message.content]);
  const fromCharacter = message.role === 'assistant';
  const showSwipes = fromCharacter && (message.swipes.length > 1 || (isLast && canGenerate));

  return (
    <article className={`message message-${message.role}${message.pending ? ' message-pending' : ''}`}>
      <Avatar name={message.name} url={fromCharacter ? avatarUrl : null} />
      <div className="message-main">
        <header className="message-meta">
          <span className="message-name">{message.name}</span>
          {message.status === 'streaming' && <span className="muted">writing…</span>}
          {message.status === 'cut' && <span className="muted">cut off</span>}
          {message.pending && (
            <span className="message-unsaved" title="Kept in this browser until the server has it">
              not yet on the server
            </span>
          )}
        </header>
        {editor ?? <div className="message-text" dangerouslySetInnerHTML={{ __html: html }} />}
        {!editor && (
          <footer className="message-actions">
            {showSwipes && <SwipeControls {...props} />}
            <span className="spacer" />
            {isLast && fromCharacter && canGenerate && (
              <>
                <button type="button" className="link-button" disabled={busy} onClick={actions.regenerate}>
                  Regenerate
                </button>
                <button type="button" className="link-button" disabled={busy} onClick={actions.continueReply}>
                  Continue
                </button>
              </>
            )}
            <button type="button" className="link-button" aria-label="Copy message" onClick={() => actions.copy(message)}>
              Copy
            </button>
            <button type="button" className="link-button" aria-label="Edit message" onClick={() => actions.startEdit(message)}>
              Edit
            </button>
            <button type="button" className="link-button" aria-label="Delete message" onClick={() => actions.remove(message)}>
              Delete
            </button>
          </footer>
        )}
      </div>
    </article>
  );
});
