import { useEffect, useState } from 'react';

interface ListFieldProps {
  label: string;
  hint?: string;
  values: readonly string[];
  onChange(values: string[]): void;
}

const split = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** A comma-separated list (tags, lorebook keys), typed freely and turned into a list when the field is left. */
export function ListField({ label, hint, values, onChange }: ListFieldProps) {
  const joined = values.join(', ');
  const [text, setText] = useState(joined);
  useEffect(() => setText(joined), [joined]);
  return (
    <label className="field">
      <span>
        {label} {hint && <span className="field-hint">{hint}</span>}
      </span>
      <input value={text} onChange={(event) => setText(event.target.value)} onBlur={() => onChange(split(text))} />
    </label>
  );
}
