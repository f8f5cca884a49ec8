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
  /** Changes when the user sends: the view goes to the newest message, wherever the reader was. */
  followSignal: number;
  renderMessage(message: ViewMessage, index: number): ReactNode;
  /** The message to open at, centred and highlighted (a search hit), instead of the newest. */
  focusId?: string | null;
}

/** A page loads when the first (or last) rendered message is this close to its end of the list. */
const LOAD_WITHIN = 5;
/** Rows rendered beyond each edge of the view once the chat is on screen, so scrolling finds them ready. */
const OVERSCAN = 6;
/** Within this many pixels of the end, the reader is at the newest message (and the view follows it). */
const AT_END_PX = 48;

/**
 * Only the messages in view are in the DOM, so a 50,000-message chat costs what a 50-message one does. Anchored
 * to the end: it opens at the newest message, follows new ones while the reader is at the bottom, and keeps the
 * reader's place when pages arrive or are let go at either end.
 */
export function MessageList(props: MessageListProps) {
  const { messages, hasOlder, hasNewer, loading, onNearTop, onNearBottom, onJumpToNewest, followSignal, renderMessage, focusId } = props;
  // Looked up once, when the list opens: later pages move indexes, and the reader has moved on by then.
  const [focusIndex] = useState(() => (focusId ? messages.findIndex((message) => message.id === focusId) : -1));
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
      const upTo = focusIndex >= 0 ? focusIndex : messages.length;
      for (let index = 0; index < upTo; index++) total += estimateSize(index);
      if (focusIndex >= 0) return Math.max(0, total - (window.innerHeight - estimateSize(focusIndex)) / 2);
      return Math.max(0, total - window.innerHeight);
    },
    // The first paint renders the rows in view and no more; those around them follow once it is on screen.
    overscan: opened ? OVERSCAN : 0,
    getItemKey: (index) => messages[index]!.id,
    anchorTo: 'end',
    followOnAppend: !hasNewer && !wasDetached.current,
    scrollEndThreshold: AT_END_PX,
  });
  // Newer text arrived while the reader was further up: a button offers to go down to it.
  const [unseen, setUnseen] = useState(false);
  // Whether the reader was at the newest message at the last scroll: kept there when the pane shrinks (a notice
  // above the composer, the phone's keyboard), so nothing covers the last messages.
  const pinned = useRef(true);
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index;
  const lastIndex = items.at(-1)?.index;
  const count = messages.length;

  useLayoutEffect(() => {
    if (opened || count === 0) return;
    if (focusIndex >= 0) virtualizer.scrollToIndex(focusIndex, { align: 'center' });
    else virtualizer.scrollToEnd();
    const frame = requestAnimationFrame(() => setOpened(true));
    return () => cancelAnimationFrame(frame);
  }, [opened, count, virtualizer, focusIndex]);

  const last = messages.at(-1);
  const lastKey = last ? `${last.id}:${last.content.length}` : '';
  const seenKey = useRef(lastKey);
  useEffect(() => {
    if (lastKey === seenKey.current) return;
    seenKey.current = lastKey;
    if (opened && !hasNewer && !pinned.current) setUnseen(true);
  }, [lastKey, opened, hasNewer]);

  const toEnd = useCallback(() => {
    pinned.current = true;
    setUnseen(false);
    virtualizer.scrollToEnd();
  }, [virtualizer]);

  const firstFollow = useRef(followSignal);
  useEffect(() => {
    if (followSignal !== firstFollow.current) toEnd();
  }, [followSignal, toEnd]);

  useEffect(() => {
    const scroller = scrollRef.current;
    if (!scroller) return;
    // A reader at the newest message stays there when the view shrinks (a notice above the composer) and when the
    // list grows under it (a row measured taller than its estimate, a streamed reply).
    const observer = new ResizeObserver(() => {
      if (pinned.current) virtualizer.scrollToEnd();
    });
    observer.observe(scroller);
    if (scroller.firstElementChild) observer.observe(scroller.firstElementChild);
    return () => observer.disconnect();
  }, [virtualizer]);

  const onScroll = useCallback(() => {
    const scroller = scrollRef.current;
    if (!scroller) return;
    pinned.current = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= AT_END_PX;
    if (pinned.current) setUnseen(false);
  }, []);

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
      <div ref={scrollRef} className="message-scroller" onScroll={onScroll}>
        <ol className="message-list" aria-label="Messages" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const message = messages[item.index]!;
            return (
              <li
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                className={message.id === focusId ? 'message-row message-focused' : 'message-row'}
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
      {hasNewer ? (
        <button type="button" className="jump-newest" onClick={onJumpToNewest}>
          Newest messages ↓
        </button>
      ) : (
        unseen && (
          <button type="button" className="jump-newest" onClick={toEnd}>
            New messages ↓
          </button>
        )
      )}
    </div>
  );
}
