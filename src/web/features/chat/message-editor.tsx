import { useEffect, useRef } from 'react';

interface MessageEditorProps {
  text: string;
  onChange(text: string): void;
  onSave(): void;
  onCancel(): void;
}

/** Edit in place: Ctrl/Cmd+Enter saves, Escape cancels. */
export function MessageEditor({ text, onChange, onSave, onCancel }: MessageEditorProps) {
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const area = ref.current;
    if (!area) return;
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }, []);

  return (
    <div className="message-editor">
      <textarea
        ref={ref}
        aria-label="Edit message"
        value={text}
        rows={Math.min(16, Math.max(3, text.split('\n').length + 1))}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            // Handled here: the chat's Escape (stop the reply) is not for this one.
            event.preventDefault();
            onCancel();
          }
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
            event.preventDefault();
            onSave();
          }
        }}
      />
      <div className="row">
        <button type="button" className="primary" onClick={onSave}>
          Save
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
