import { nanoid } from 'nanoid';
import { useState } from 'react';
import { useParams } from 'react-router';
import type { GenerationMode } from '../../../shared/api/generation.js';
import { copyText } from '../../ui/copy-text.js';
import { useServices } from '../../ui/services.js';
import type { ViewMessage } from './apply-chat-ops.js';
import './reasoning-block.css';

/** A reply's extra while it streams: the reasoning so far replaces the stored one (a continued reply adds to it). */
export function withStreamedReasoning(
  extra: Record<string, unknown>,
  running: { mode: GenerationMode; reasoning: string },
): Record<string, unknown> {
  if (!running.reasoning) return extra;
  const before = running.mode === 'continue' && typeof extra.reasoning === 'string' ? extra.reasoning : '';
  return { ...extra, reasoning: before ? `${before}\n\n${running.reasoning}` : running.reasoning };
}

/**
 * The model's reasoning above its reply (SillyTavern's `extra.reasoning`), collapsed: opened to read, copied, or
 * edited (a setReasoning op through the outbox, so an edit offline is kept). Shown as plain text, never as markup.
 */
export function ReasoningBlock({ message }: { message: ViewMessage }) {
  const { engine } = useServices();
  const { id: chatId = '' } = useParams();
  const [draft, setDraft] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const reasoning = typeof message.extra.reasoning === 'string' ? message.extra.reasoning : '';
  if (!reasoning && draft === null) return null;
  const thinking = message.status === 'streaming' && message.content === '';

  const save = () => {
    if (draft !== null && draft !== reasoning) {
      void engine.enqueue({
        kind: 'chat-op',
        chatId,
        op: { opId: nanoid(), type: 'setReasoning', messageId: message.id, reasoning: draft.trim(), baseRevision: message.revision },
      });
    }
    setDraft(null);
  };

  return (
    <details className="reasoning" open={draft !== null || undefined}>
      <summary>
        <span className="reasoning-title">{thinking ? 'Thinking…' : 'Reasoning'}</span>
        <span className="muted reasoning-size">{reasoning.length.toLocaleString()} characters</span>
      </summary>
      {draft === null ? (
        <>
          {/* "Alter display only" regex scripts may change what is shown (the server's displayReasoning). */}
          <div className="reasoning-text">{message.displayReasoning ?? reasoning}</div>
          <div className="reasoning-actions">
            <button
              type="button"
              className="link-button"
              onClick={() =>
                void copyText(reasoning).then(() => {
                  setCopied(true);
                  setTimeout(() => setCopied(false), 1500);
                })
              }
            >
              {copied ? 'Copied' : 'Copy reasoning'}
            </button>
            {message.status !== 'streaming' && (
              <button type="button" className="link-button" onClick={() => setDraft(reasoning)}>
                Edit reasoning
              </button>
            )}
          </div>
        </>
      ) : (
        <div className="reasoning-editor">
          <textarea aria-label="Reasoning" rows={6} value={draft} onChange={(e) => setDraft(e.target.value)} />
          <div className="reasoning-actions">
            <button type="button" className="primary" onClick={save}>
              Save
            </button>
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </details>
  );
}
