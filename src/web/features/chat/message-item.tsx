import { memo, useMemo, useRef, type ReactNode, type TouchEvent } from 'react';
import { Link } from 'react-router';
import type { BranchNode } from '../../../shared/api/branches.js';
import { expandNameMacros } from '../../../shared/macros.js';
import { useServices } from '../../ui/services.js';
import type { ViewMessage } from './apply-chat-ops.js';
import { MessageTime } from './message-time.js';
import { ReasoningBlock } from './reasoning-block.js';

export interface MessageActions {
  startEdit(message: ViewMessage): void;
  remove(message: ViewMessage): void;
  copy(message: ViewMessage): void;
  selectSwipe(message: ViewMessage, index: number): void;
  /** Past the last swipe of the newest reply: generate another. */
  swipeNew(message: ViewMessage): void;
  regenerate(): void;
  continueReply(): void;
  /** Hides the message from the prompt, or shows it to the model again. */
  toggleHidden(message: ViewMessage): void;
  toggleBookmark(message: ViewMessage): void;
  /** Opens "Branch from here"; absent where the user cannot branch (a chat shared with them). */
  branchFrom?: ((message: ViewMessage) => void) | undefined;
  /** The last reply's next (1) or previous (-1) swipe; past the last one, another is generated. */
  swipeBy(message: ViewMessage, step: 1 | -1): void;
}

/** A sideways move this long, and mostly sideways, is a swipe; shorter or slanted ones are scrolls and taps. */
const SWIPE_MIN_PX = 60;

interface MessageItemProps {
  message: ViewMessage;
  isLast: boolean;
  avatarUrl: string | null;
  /** Who {{user}} and {{char}} are in what the reader sees: the speaking persona and the character. */
  names: { user: string; char: string };
  /** The picture of the persona the user speaks as. */
  userAvatarUrl: string | null;
  canGenerate: boolean;
  busy: boolean;
  /** The user stopped this reply while it was being written. */
  stopped: boolean;
  actions: MessageActions;
  editor: ReactNode;
  /** Chats to jump to from this message (its branches, or the chat this branch came from). */
  branches: readonly BranchNode[];
}

function Avatar({ name, url }: { name: string; url: string | null }) {
  if (url) return <img className="message-avatar" src={url} alt="" loading="lazy" />;
  return (
    <span className="message-avatar message-avatar-letter" aria-hidden="true">
      {name.trim().charAt(0).toUpperCase() || '?'}
    </span>
  );
}

function SwipeControls({ message, isLast, canGenerate, busy, actions }: Omit<MessageItemProps, 'avatarUrl' | 'userAvatarUrl' | 'editor' | 'branches' | 'names' | 'stopped'>) {
  const count = Math.max(message.swipes.length, 1);
  const index = message.swipeIndex;
  const atLast = index >= count - 1;
  const canNew = isLast && canGenerate && !busy && !message.hidden;
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

/** An eye, struck through while the model does not read the message. */
function EyeIcon({ closed }: { closed: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false" className="eye-icon">
      <path d="M2 12s3.6-6.5 10-6.5S22 12 22 12s-3.6 6.5-10 6.5S2 12 2 12Z" fill="none" stroke="currentColor" strokeWidth="1.8" />
      <circle cx="12" cy="12" r="3" fill="none" stroke="currentColor" strokeWidth="1.8" />
      {closed && <path d="M4 20 20 4" stroke="currentColor" strokeWidth="1.8" />}
    </svg>
  );
}

/** A fork: one line splitting in two (no font has to carry a branch glyph). */
function BranchIcon() {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" focusable="false" className="branch-icon">
      <circle cx="6" cy="5" r="2.2" fill="none" stroke="currentColor" strokeWidth="1.8" />
      <circle cx="6" cy="19" r="2.2" fill="none" stroke="currentColor" strokeWidth="1.8" />
      <circle cx="18" cy="7" r="2.2" fill="none" stroke="currentColor" strokeWidth="1.8" />
      <path d="M6 7.2v9.6M18 9.2c0 5-12 3-12 7.6" fill="none" stroke="currentColor" strokeWidth="1.8" />
    </svg>
  );
}

/** One message: sanitized markdown, its swipes and its actions. Memoized: a 50,000-message chat re-renders few. */
export const MessageItem = memo(function MessageItem(props: MessageItemProps) {
  const { message, isLast, avatarUrl, names, userAvatarUrl, canGenerate, busy, stopped, actions, editor, branches } = props;
  const { markdown } = useServices();
  // The stored text keeps its macros (the model reads them expanded); the reader sees the names. "Alter display
  // only" regex scripts run on the server, which sends what they show as displayText.
  // Keyed on the expanded text, not the names: a message without macros is not rendered again when they arrive.
  const text = expandNameMacros(message.displayText ?? message.content, names);
  const html = useMemo(() => markdown.render(text), [markdown, text]);
  const fromCharacter = message.role === 'assistant';
  // A hidden last reply is not regenerated or continued (SillyTavern hides those buttons too): the prompt skips it.
  const generative = isLast && canGenerate && !message.hidden;
  const showSwipes = fromCharacter && (message.swipes.length > 1 || generative);
  // On a touch screen the last reply swipes like SillyTavern's: finger to the left for the next version.
  const touchStart = useRef<{ x: number; y: number } | null>(null);
  const swipeable = isLast && fromCharacter && !editor;
  const gesture = swipeable
    ? {
        onTouchStart: (event: TouchEvent) => {
          const touch = event.touches[0];
          touchStart.current = event.touches.length === 1 && touch ? { x: touch.clientX, y: touch.clientY } : null;
        },
        onTouchEnd: (event: TouchEvent) => {
          const start = touchStart.current;
          const touch = event.changedTouches[0];
          touchStart.current = null;
          if (!start || !touch) return;
          const dx = touch.clientX - start.x;
          const dy = touch.clientY - start.y;
          if (Math.abs(dx) >= SWIPE_MIN_PX && Math.abs(dx) > 2 * Math.abs(dy)) actions.swipeBy(message, dx < 0 ? 1 : -1);
        },
      }
    : {};

  return (
    <article
      className={`message message-${message.role}${message.pending ? ' message-pending' : ''}${message.hidden ? ' message-hidden' : ''}${swipeable ? ' message-swipeable' : ''}`}
      {...gesture}
    >
      <Avatar name={message.name} url={fromCharacter ? avatarUrl : message.role === 'user' ? userAvatarUrl : null} />
      <div className="message-main">
        <header className="message-meta">
          <span className="message-name">{message.name}</span>
          <MessageTime createdAt={message.createdAt} extra={message.status === 'streaming' ? {} : message.extra} />
          {message.status === 'streaming' && <span className="muted">writing…</span>}
          {message.status === 'cut' && <span className="muted">cut off</span>}
          {stopped && <span className="muted">stopped</span>}
          {message.hidden && <span className="message-hidden-note">hidden from the prompt</span>}
          {message.bookmarked && (
            <span className="message-bookmark-note" title="Bookmarked">
              ★
            </span>
          )}
          {branches.length > 0 && (
            <details className="message-branches">
              <summary title="Chats that branch at this message" aria-label={`Branches at this message: ${branches.length}`}>
                <BranchIcon /> {branches.length}
              </summary>
              <ul>
                {branches.map((branch) => (
                  <li key={branch.id}>
                    <Link to={`/chats/${branch.id}`}>{branch.title}</Link>
                  </li>
                ))}
              </ul>
            </details>
          )}
          {message.pending && (
            <span className="message-unsaved" title="Kept in this browser until the server has it">
              not yet on the server
            </span>
          )}
        </header>
        <ReasoningBlock message={message} />
        {editor ?? <div className="message-text" dangerouslySetInnerHTML={{ __html: html }} />}
        {!editor && (
          <footer className="message-actions">
            {showSwipes && <SwipeControls {...props} />}
            <span className="spacer" />
            {generative && message.role === 'user' && !busy && (
              <button type="button" className="link-button" title="Let the character answer this message" onClick={actions.regenerate}>
                Regenerate
              </button>
            )}
            {generative && fromCharacter && (
              <>
                <button type="button" className="link-button" onClick={actions.regenerate}>
                  Regenerate
                </button>
                <button type="button" className="link-button" onClick={actions.continueReply}>
                  Continue
                </button>
              </>
            )}
            <button
              type="button"
              className="link-button icon-button"
              aria-label={message.hidden ? 'Show to the model' : 'Hide from the model'}
              title={message.hidden ? 'Hidden: the model does not read it. Show it to the model again' : 'Hide from the prompt: the model will not read it'}
              aria-pressed={message.hidden}
              onClick={() => actions.toggleHidden(message)}
            >
              <EyeIcon closed={message.hidden} />
            </button>
            <button
              type="button"
              className="link-button icon-button"
              aria-label={message.bookmarked ? 'Remove bookmark' : 'Bookmark message'}
              aria-pressed={message.bookmarked}
              title={message.bookmarked ? 'Bookmarked: remove the bookmark' : 'Bookmark this message'}
              onClick={() => actions.toggleBookmark(message)}
            >
              {message.bookmarked ? '★' : '☆'}
            </button>
            {actions.branchFrom && (
              <button type="button" className="link-button" aria-label="Branch here" title="A new chat with the history up to this message" onClick={() => actions.branchFrom?.(message)}>
                Branch
              </button>
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
