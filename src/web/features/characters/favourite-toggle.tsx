import { useServices } from '../../ui/services.js';

/** A star that marks the character a favourite (SillyTavern's fav), saved through the outbox. */
export function FavouriteToggle({ characterId, name, favourite }: { characterId: string; name: string; favourite: boolean }) {
  const { engine } = useServices();
  return (
    <button
      type="button"
      className={`favourite-toggle${favourite ? ' is-favourite' : ''}`}
      aria-pressed={favourite}
      aria-label={`Favourite: ${name}`}
      title={favourite ? 'A favourite: click to unmark' : 'Mark as a favourite'}
      onClick={() => void engine.enqueue({ kind: 'character-favourite', characterId, favourite: !favourite })}
    >
      <span aria-hidden="true">{favourite ? '★' : '☆'}</span>
    </button>
  );
}
