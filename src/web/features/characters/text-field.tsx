interface TextFieldProps {
  label: string;
  hint?: string;
  value: string;
  onChange(value: string): void;
  /** Rows for a textarea; a single-line input when absent. */
  rows?: number;
}

export function TextField({ label, hint, value, onChange, rows }: TextFieldProps) {
  return (
    <label className="field">
      <span>
        {label} {hint && <span className="field-hint">{hint}</span>}
      </span>
      {rows ? (
        <textarea rows={rows} value={value} onChange={(event) => onChange(event.target.value)} />
      ) : (
        <input value={value} onChange={(event) => onChange(event.target.value)} />
      )}
    </label>
  );
}
