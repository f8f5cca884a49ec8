import type { PromptInspection, PromptPartName, PromptSection } from '../../../shared/api/generation.js';
import { RequestError } from '../../api/request-error.js';
import { Dialog } from '../../ui/dialog.js';
import { useServices } from '../../ui/services.js';
import { useResource } from '../../ui/use-resource.js';
import { API_NAMES } from '../connections/api-names.js';
import { UsagePanel } from '../usage/usage-panel.js';
import { WorldInfoReport } from '../worlds/world-info-report.js';

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
  authors_note: "Author's Note",
  continue_nudge: 'Continue nudge',
  start_reply_with: 'Start reply with',
  impersonation_prompt: 'Impersonation prompt',
  custom_prompt: 'Prompt manager prompts',
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

const SOURCES: Record<PromptSection['source']['kind'], string> = {
  card: 'card',
  default: 'built-in default',
  persona: 'persona',
  world_info: 'world info',
  message: 'message',
  settings: 'your settings',
};

/** Every part in the order it was laid out, with where it came from; parts the budget left out are marked. */
function PromptSections({ sections }: { sections: PromptSection[] }) {
  return (
    <details>
      <summary>Where each part came from ({sections.length} parts)</summary>
      <table className="token-table prompt-sections">
        <thead>
          <tr>
            <th>Part</th>
            <th>From</th>
            <th>Role</th>
            <th className="num">Tokens</th>
          </tr>
        </thead>
        <tbody>
          {sections.map((section, index) => (
            <tr key={index} className={section.included ? undefined : 'muted'}>
              <td>
                {LABELS[section.part]}
                {section.depth !== undefined && ` @ depth ${section.depth}`}
                {!section.included && ' (left out)'}
              </td>
              <td>
                {SOURCES[section.source.kind]}
                {section.source.kind !== 'message' && ` · ${section.source.detail.replaceAll('_', ' ')}`}
              </td>
              <td>{section.role}</td>
              <td className="num">{section.tokens.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
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
      {inspection.group && (
        <p className="muted">
          Spoken by {inspection.group.speakerName} · {inspection.group.promptMode === 'swap' ? 'card' : 'cards'} in the prompt:{' '}
          {inspection.group.cards.join(', ')}
        </p>
      )}
      {inspection.slowRegexScripts && (
        <p className="notice">Regex scripts skipped, their pattern took too long: {inspection.slowRegexScripts.join(', ')}</p>
      )}
      {!inspection.fits && <p className="notice">Even the newest message does not fit the context: raise the context size.</p>}
      <TokenChart inspection={inspection} />
      <p className="muted">
        History: {inspection.history.included} messages sent
        {inspection.history.dropped > 0 && `, ${inspection.history.dropped} older ones left out`}. Example dialogue:{' '}
        {inspection.exampleBlocks.included} of {inspection.exampleBlocks.total} blocks.
      </p>
      {inspection.sections && <PromptSections sections={inspection.sections} />}
      {inspection.worldInfo && <WorldInfoReport inspection={inspection.worldInfo} />}
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
      {open && <details><summary>Token usage of this chat</summary><UsagePanel chatId={chatId} /></details>}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
