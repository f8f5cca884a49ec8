import type { PromptInspection, PromptPartName } from '../../../shared/api/generation.js';
import { RequestError } from '../../api/request-error.js';
import { Dialog } from '../../app/dialog.js';
import { useServices } from '../../app/services.js';
import { useResource } from '../../app/use-resource.js';
import { API_NAMES } from '../connections/api-names.js';

const LABELS: Record<PromptPartName, string> = {
  system_prompt: 'System prompt',
  lorebook: 'Lorebook',
  description: 'Description',
  personality: 'Personality',
  scenario: 'Scenario',
  persona: 'Persona',
  example_dialogue: 'Example dialogue',
  history: 'Chat history',
  post_history_instructions: 'Post-history instructions',
  impersonation_prompt: 'Impersonation prompt',
  formatting: 'Formatting',
};

/** One hue per part, spaced around the wheel so neighbours differ; legible in both themes. */
const hueOf = (index: number) => `hsl(${(index * 47 + 200) % 360} 55% 55%)`;

function TokenChart({ inspection }: { inspection: PromptInspection }) {
  const parts = inspection.parts.filter((part) => part.tokens > 0);
  const scale = Math.max(inspection.contextSize, inspection.totalTokens + inspection.maxTokens, 1);
  const percent = (tokens: number) => `${(tokens / scale) * 100}%`;
  return (
    <figure className="token-chart">
      <div
        className="token-bar"
        role="img"
        aria-label={`${inspection.totalTokens} of ${inspection.budget} prompt tokens used; ${inspection.maxTokens} reserved for the reply`}
      >
        {parts.map((part, index) => (
          <span key={part.part} style={{ width: percent(part.tokens), background: hueOf(index) }} title={LABELS[part.part]} />
        ))}
        <span className="token-reserved" style={{ width: percent(inspection.maxTokens) }} title="Reserved for the reply" />
      </div>
      <figcaption className="muted">
        {inspection.totalTokens.toLocaleString()} of {inspection.budget.toLocaleString()} prompt tokens (
        {Math.round((inspection.totalTokens / Math.max(inspection.budget, 1)) * 100)}% full) ·{' '}
        {inspection.maxTokens.toLocaleString()} reserved for the reply · {inspection.tokenizer.label}
      </figcaption>
      <table className="token-table">
        <tbody>
          {parts.map((part, index) => (
            <tr key={part.part}>
              <td>
                <span className="swatch" style={{ background: hueOf(index) }} aria-hidden="true" /> {LABELS[part.part]}
              </td>
              <td className="num">{part.tokens.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function Inspection({ chatId }: { chatId: string }) {
  const { api } = useServices();
  const prompt = useResource((signal) => api.generation.prompt(chatId, signal), [`chat:${chatId}`], `prompt:${chatId}`);
  if (prompt.error instanceof RequestError && prompt.error.status === 404) {
    return <p className="muted">No prompt has been sent in this chat yet. Generate a reply, then look here.</p>;
  }
  if (prompt.error) return <p className="form-problem">{prompt.error.message}</p>;
  const inspection = prompt.data;
  if (!inspection) return <p className="muted">Loading…</p>;
  return (
    <div className="stack">
      <p className="muted">
        {inspection.model || 'No model named'} · {API_NAMES[inspection.api]} · mode {inspection.mode}
      </p>
      {!inspection.fits && <p className="notice">Even the newest message does not fit the context: raise the context size.</p>}
      <TokenChart inspection={inspection} />
      <p className="muted">
        History: {inspection.history.included} messages sent
        {inspection.history.dropped > 0 && `, ${inspection.history.dropped} older ones left out`}. Example dialogue:{' '}
        {inspection.exampleBlocks.included} of {inspection.exampleBlocks.total} blocks.
      </p>
      {inspection.lorebookEntries.length > 0 && (
        <p className="muted">
          Lorebook:{' '}
          {inspection.lorebookEntries
            .map((entry) => `${entry.name} (${entry.tokens}${entry.included ? '' : ', left out'})`)
            .join(', ')}
        </p>
      )}
      <details>
        <summary>What was sent</summary>
        <pre className="prompt-text">
          {inspection.prompt ?? inspection.messages?.map((m) => `[${m.role}]\n${m.content}`).join('\n\n')}
        </pre>
      </details>
    </div>
  );
}

export function PromptInspector({ chatId, open, onClose }: { chatId: string; open: boolean; onClose(): void }) {
  return (
    <Dialog title="Prompt" open={open} onClose={onClose} className="wide">
      {open && <Inspection chatId={chatId} />}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
