/**
 * A prompt before it is written in one API's wire format: the system parts, the role-tagged messages after them,
 * and the text the reply is made to start with. The Anthropic and Gemini request builders take this form; the
 * prompt pipeline's "format for the API" stage produces it.
 */
export interface NeutralMessage {
  /** `system` here is an instruction inside the chat (post-history instructions, an impersonation prompt). */
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface NeutralPrompt {
  /** Everything before the history, in order (system prompt, character, persona, examples, ...). */
  system: string[];
  messages: NeutralMessage[];
  /** Sent as a trailing assistant message that the model continues; '' for none. */
  prefill: string;
}

/** What a user turn says when the API needs one and the chat has none yet (SillyTavern's placeholder). */
export const START_PLACEHOLDER = '[Start a new chat]';

/**
 * Folds a neutral prompt into strict user/assistant alternation, as SillyTavern does for Claude and Gemini: mid-chat
 * system messages speak as the user, empty messages are left out, the first turn is the user's (a placeholder when
 * the chat starts with the character), the prefill closes as the assistant's, and consecutive turns of one role are
 * merged with a blank line.
 */
export function alternatingTurns(prompt: NeutralPrompt): Array<{ role: 'user' | 'assistant'; text: string }> {
  const turns: Array<{ role: 'user' | 'assistant'; text: string }> = [];
  const push = (role: 'user' | 'assistant', text: string) => {
    const last = turns.at(-1);
    if (last?.role === role) last.text += `\n\n${text}`;
    else turns.push({ role, text });
  };
  for (const m of prompt.messages) {
    if (m.content.trim() === '') continue;
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    if (turns.length === 0 && role !== 'user') push('user', START_PLACEHOLDER);
    push(role, m.content);
  }
  if (turns.length === 0) push('user', START_PLACEHOLDER);
  // Anthropic refuses a final assistant turn that ends in whitespace.
  const prefill = prompt.prefill.trimEnd();
  if (prefill) push('assistant', prefill);
  return turns;
}

/** The system parts as one text, blank-line separated (empty parts left out). */
export const systemText = (prompt: NeutralPrompt) =>
  prompt.system
    .map((part) => part.trim())
    .filter(Boolean)
    .join('\n\n');
