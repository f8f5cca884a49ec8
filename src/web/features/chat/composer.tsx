import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useServices } from '../../ui/services.js';

interface ComposerProps {
  chatId: string;
  /** Resolves once the message is in the outbox; only then is the draft cleared. */
  onSend(text: string): Promise<void>;
  generating: boolean;
  onStop(): void;
  disabled?: boolean;
  /** false: Enter is a new line and only the button sends. */
  sendOnEnter: boolean;
  /** Sending nothing asks the character to go on (when a model is connected). */
  onEmptySend?: () => void;
  /** Text written into the box from outside (an impersonation as it streams). */
  incoming?: string | null;
  /** More actions beside Send (impersonate, ...); on a phone they wait in a menu so the box keeps its width. */
  tools?: ReactNode;
  /** The user typed (a group's auto-mode stops then). */
  onTyping?: () => void;
  /** ↑ in the empty box: edit the user's last message. */
  onEditLast?: () => void;
}

const MAX_HEIGHT_PX = 240;

/** The message box: Enter sends, Shift+Enter is a new line, and every keystroke is kept as the chat's draft. */
export function Composer(props: ComposerProps) {
  const { chatId, onSend, generating, onStop, disabled, sendOnEnter, onEmptySend, incoming, tools, onTyping, onEditLast } = props;
  const { drafts } = useServices();
  const [text, setText] = useState(() => drafts.load(`chat:${chatId}`));
  const [problem, setProblem] = useState<string | null>(null);
  const areaRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    const area = areaRef.current;
    if (!area) return;
    area.style.height = 'auto';
    // An empty box is its one row: reading scrollHeight would force a layout of the whole page as the chat opens.
    if (text === '') return;
    area.style.height = `${Math.min(area.scrollHeight, MAX_HEIGHT_PX)}px`;
  }, [text]);

  function change(next: string) {
    setText(next);
    drafts.save(`chat:${chatId}`, next);
  }

  useEffect(() => {
    if (incoming !== null && incoming !== undefined) change(incoming);
    // Only new incoming text replaces the box; `change` is stable in effect (it writes state and the draft).
  }, [incoming]);

  async function send() {
    const message = text;
    if (disabled) return;
    if (message.trim() === '') {
      onEmptySend?.();
      return;
    }
    try {
      await onSend(message);
      // Typed meanwhile? Keep that; only what was sent leaves the box.
      const now = areaRef.current?.value ?? '';
      const rest = now.startsWith(message) ? now.slice(message.length) : now;
      change(rest);
      setProblem(null);
    } catch (error) {
      setProblem(`This browser would not store the message (${(error as Error).message}); it is still in the box.`);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void send();
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'ArrowUp' && text === '' && onEditLast && !event.shiftKey && !event.altKey) {
      event.preventDefault();
      onEditLast();
      return;
    }
    if (sendOnEnter && event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  }

  return (
    <form className="composer" onSubmit={submit}>
      {problem && (
        <p className="form-problem" role="alert">
          {problem}
        </p>
      )}
      <div className="composer-row">
        <textarea
          ref={areaRef}
          className="composer-input"
          aria-label="Message"
          placeholder="Write a message…"
          rows={1}
          value={text}
          onChange={(event) => {
            onTyping?.();
            change(event.target.value);
          }}
          onKeyDown={keyDown}
        />
        {tools && <span className="composer-tools">{tools}</span>}
        {tools && (
          <details className="composer-more">
            <summary aria-label="More actions" title="More actions">
              ⋯
            </summary>
            <div className="composer-menu" onClick={(event) => event.currentTarget.closest('details')?.removeAttribute('open')}>
              {tools}
            </div>
          </details>
        )}
        {/* Stop takes Send's place while a reply is written, so the box keeps its width (Enter still queues a message). */}
        {generating ? (
          <button type="button" className="composer-send" onClick={onStop}>
            Stop
          </button>
        ) : (
          <button type="submit" className="primary composer-send" disabled={disabled}>
            Send
          </button>
        )}
      </div>
    </form>
  );
}
