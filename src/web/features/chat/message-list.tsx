import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { ViewMessage } from './apply-chat-ops.js';
import { estimateMessageHeight } from './estimate-message-height.js';

interface MessageListProps {
  messages: ViewMessage[];
  hasOlder: boolean;
  hasNewer: boolean;
  loading: 'older' | 'newer' | null;
  onNearTop(): void;
  onNearBottom(): void;
  onJumpToNewest(): void;
  renderMessage(message: ViewMessage, index: number): ReactNode;
}

/** A page loads when the first (or last) rendered message is this close to its end of the list. */
const LOAD_WITHIN = 5;
/** Rows rendered beyond each edge of the view once the chat is on screen, so scrolling finds them ready. */
const OVERSCAN = 6;

/**
 * Only the messages in view are in the DOM, so a 50,000-message chat costs what a 50-message one does. Anchored
 * to the end: it opens at the newest message, follows new ones while the reader is at the bottom, and keeps the
 * reader's place when pages arrive or are let go at either end.
 */
export function MessageList(props: MessageListProps) {
  const { messages, hasOlder, hasNewer, loading, onNearTop, onNearBottom, onJumpToNewest, renderMessage } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  // Opened at the newest message; until that scroll has happened, the top of the list is not "near the top".
  const [opened, setOpened] = useState(false);
  // A newer page lands under a reader at the bottom of the window: they read on into it rather than jump past it.
  const wasDetached = useRef(hasNewer);
  useEffect(() => {
    wasDetached.current = hasNewer;
  }, [hasNewer]);
  const estimateSize = useCallback(
    (index: number) => estimateMessageHeight(messages[index]!.content, window.innerWidth),
    [messages],
  );
  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scrollRef.current,
    estimateSize,
    // The first render happens before the scroller exists: it is laid out from the end, in a window-sized view,
    // so it already holds the newest rows rather than the oldest ones, which the scroll to the end would replace.
    initialRect: { width: window.innerWidth, height: window.innerHeight },
    initialOffset: () => {
      let total = 0;
      for (let index = 0; index < messages.length; index++) total += estimateSize(index);
      return Math.max(0, total - window.innerHeight);
    },
    // The first paint renders the rows in view and no more; those around them follow once it is on screen.
    overscan: opened ? OVERSCAN : 0,
    getItemKey: (index) => messages[index]!.id,
    anchorTo: 'end',
    followOnAppend: !hasNewer && !wasDetached.current,
    scrollEndThreshold: 48,
  });
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index;
  const lastIndex = items.at(-1)?.index;
  const count = messages.length;

  useLayoutEffect(() => {
    if (opened || count === 0) return;
    virtualizer.scrollToEnd();
    const frame = requestAnimationFrame(() => setOpened(true));
    return () => cancelAnimationFrame(frame);
  }, [opened, count, virtualizer]);

  useEffect(() => {
    if (!opened || loading || firstIndex === undefined || lastIndex === undefined) return;
    if (firstIndex < LOAD_WITHIN && hasOlder) onNearTop();
    else if (lastIndex >= count - LOAD_WITHIN && hasNewer) onNearBottom();
  }, [opened, loading, firstIndex, lastIndex, count, hasOlder, hasNewer, onNearTop, onNearBottom]);

  return (
    <div className="message-pane">
      {loading === 'older' && (
        <p className="page-marker page-marker-top" aria-live="polite">
          Loading earlier messages…
        </p>
      )}
      <div ref={scrollRef} className="message-scroller">
        <ol className="message-list" aria-label="Messages" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const message = messages[item.index]!;
            return (
              <li
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className="message-row"
                style={{ transform: `translateY(${item.start}px)` }}
              >
                {renderMessage(message, item.index)}
              </li>
            );
          })}
        </ol>
      </div>
      {loading === 'newer' && (
        <p className="page-marker page-marker-bottom" aria-live="polite">
          Loading later messages…
        </p>
      )}
      {hasNewer && (
        <button type="button" className="jump-newest" onClick={onJumpToNewest}>
          Newest messages ↓
        </button>
      )}
    </div>
  );
}
