import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { CharacterSummary } from '../../../shared/api/characters.js';

interface LibraryGridProps {
  items: CharacterSummary[];
  hasMore: boolean;
  onNearEnd(): void;
  renderCard(character: CharacterSummary): ReactNode;
}

/** A first guess of a row of cards (picture, name, facts, tags, actions) before one is measured. */
const ROW_GUESS = 320;
/** Rows rendered beyond each edge of the view. */
const OVERSCAN = 2;
/** The next page is asked for when the last rendered row is this close to the loaded end. */
const LOAD_WITHIN = 4;

/**
 * The library's grid with only the rows in view in the DOM: 20,000 cards cost what 60 do. The grid stays a CSS
 * grid (its columns follow the width as before); the rows above and below the view are padding.
 */
export function LibraryGrid({ items, hasMore, onNearEnd, renderCard }: LibraryGridProps) {
  const listRef = useRef<HTMLUListElement>(null);
  const [columns, setColumns] = useState(1);
  const [rowHeight, setRowHeight] = useState(ROW_GUESS);
  const [offset, setOffset] = useState(0);

  // The columns the CSS grid chose for this width, the height of a row, and where the list starts on the page.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const measure = () => {
      const style = getComputedStyle(list);
      setColumns(Math.max(1, style.gridTemplateColumns.split(' ').filter(Boolean).length));
      const card = list.querySelector<HTMLElement>(':scope > li');
      if (card) setRowHeight(card.offsetHeight + Number.parseFloat(style.rowGap || '0'));
      setOffset(list.getBoundingClientRect().top + window.scrollY - Number.parseFloat(style.paddingTop || '0'));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(list);
    return () => observer.disconnect();
  }, [items.length > 0]);

  const rows = Math.ceil(items.length / columns);
  const virtualizer = useWindowVirtualizer({ count: rows, estimateSize: () => rowHeight, overscan: OVERSCAN, scrollMargin: offset });
  useEffect(() => virtualizer.measure(), [virtualizer, rowHeight, columns]);
  const virtualRows = virtualizer.getVirtualItems();
  const first = virtualRows[0]?.index ?? 0;
  const last = virtualRows.at(-1)?.index ?? 0;

  useEffect(() => {
    if (hasMore && last >= rows - LOAD_WITHIN) onNearEnd();
  }, [hasMore, last, rows, onNearEnd]);

  const top = first * rowHeight;
  const bottom = Math.max(0, (rows - last - 1) * rowHeight);
  return (
    <ul ref={listRef} className="character-grid" aria-label="Characters" style={{ paddingTop: top, paddingBottom: bottom }}>
      {items.slice(first * columns, (last + 1) * columns).map((character) => (
        <li key={character.id} className="character-card">
          {renderCard(character)}
        </li>
      ))}
    </ul>
  );
}
