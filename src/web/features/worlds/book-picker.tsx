import type { WorldSummary } from '../../../shared/api/worlds.js';

/** One book or none, by name (books link by name, as in SillyTavern). A name no book has is still shown. */
export function BookSelect({
  label,
  value,
  books,
  onChange,
}: {
  label: string;
  value: string;
  books: readonly WorldSummary[];
  onChange(name: string): void;
}) {
  const names = books.map((b) => b.name);
  return (
    <label className="field book-select">
      <span>{label}</span>
      <select value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">(none)</option>
        {value && !names.includes(value) && <option value={value}>{value} (missing)</option>}
        {names.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Several books, as checkboxes. */
export function BookChecklist({
  legend,
  values,
  books,
  onChange,
}: {
  legend: string;
  values: readonly string[];
  books: readonly WorldSummary[];
  onChange(names: string[]): void;
}) {
  return (
    <fieldset className="book-checklist">
      <legend>{legend}</legend>
      {books.length === 0 && <p className="muted">No books yet: import or create one under World info.</p>}
      {books.map((book) => (
        <label key={book.id} className="row checkbox">
          <input
            type="checkbox"
            checked={values.includes(book.name)}
            onChange={(event) => onChange(event.target.checked ? [...values, book.name] : values.filter((n) => n !== book.name))}
          />
          {book.name} <span className="muted">({book.entryCount})</span>
        </label>
      ))}
    </fieldset>
  );
}
