import { useEffect, useState } from 'react';

interface DraftFieldProps {
  label: string;
  hint?: string;
  value: string;
  /** Rows for a textarea; a single-line input when absent. */
  rows?: number;
  /** Called when the field loses focus with a changed text: one saved change per edit, not one per key. */
  onCommit(value: string): void;
}

/** A text field edited locally and saved when the user leaves it; follows the stored value while not being edited. */
export function DraftField({ label, hint, value, rows, onCommit }: DraftFieldProps) {
  const [draft, setDraft] = useState(value);
  const [editing, setEditing] = useState(false);
  useEffect(() => {
    if (!editing) setDraft(value);
  }, [value, editing]);
  const props = {
    value: draft,
    onFocus: () => setEditing(true),
    onChange: (event: { target: { value: string } }) => setDraft(event.target.value),
    onBlur: () => {
      setEditing(false);
      if (draft !== value) onCommit(draft);
    },
  };
  return (
    <label className="field">
      <span>
        {label}
        {hint && <span className="field-hint"> {hint}</span>}
      </span>
      {rows ? <textarea rows={rows} {...props} /> : <input type="text" {...props} />}
    </label>
  );
}
