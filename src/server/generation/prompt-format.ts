import type { PromptMessage } from '../../shared/api/generation.js';
import type { InstructTemplate } from './instruct-templates.js';
import type { Tokenizer } from './tokenizer.js';

/** One turn of the prompt before formatting. */
export interface Turn {
  role: PromptMessage['role'];
  /** Who speaks; text completion writes it before the text ("Seraphina: ..."). */
  name: string;
  text: string;
}

export type FormattedPrompt = { kind: 'chat'; messages: PromptMessage[] } | { kind: 'text'; prompt: string };

/**
 * How turns become what the backend receives, and what that costs in tokens. Costs are upper bounds of each
 * turn's share of the final count (pieces counted apart never merge into fewer tokens), so a prompt assembled
 * within the budget stays within it.
 */
export interface PromptFormat {
  /** The part of a turn counted as its content (the rest is formatting). */
  contentOf(turn: Turn): string;
  /** Tokens a whole turn costs, given its content's count. */
  turnCost(turn: Turn, contentTokens: number): number;
  /** Tokens of the open turn the model writes into (its header, and the text being continued). */
  openCost(open: Turn): number;
  render(turns: readonly Turn[], open: Turn): FormattedPrompt;
}

/*
 * OpenAI's accounting for chat completions: each message costs its content plus ~4 tokens of role markers, and
 * the reply is primed with 3 more. Other backends' chat templates differ by a token or two per message.
 */
const TOKENS_PER_MESSAGE = 4;
const REPLY_PRIMING_TOKENS = 3;

/** Chat completions: roles carry who speaks, so names are not written into the text. A continued reply is sent
 *  as the last assistant message, which backends that support prefill (llama.cpp, Ollama, vLLM, OpenRouter)
 *  extend in place. */
export function chatFormat(tokenizer: Tokenizer): PromptFormat {
  const toMessages = (turns: readonly Turn[], open: Turn): PromptMessage[] => {
    const messages = turns.map((t) => ({ role: t.role, content: t.text }));
    if (open.text) messages.push({ role: open.role, content: open.text });
    return messages;
  };
  return {
    contentOf: (turn) => turn.text,
    turnCost: (_turn, contentTokens) => contentTokens + TOKENS_PER_MESSAGE,
    openCost: (open) => REPLY_PRIMING_TOKENS + (open.text ? tokenizer.count(open.text) + TOKENS_PER_MESSAGE : 0),
    render: (turns, open) => ({ kind: 'chat', messages: toMessages(turns, open) }),
  };
}

/** Text completions through an instruct template: "Name: text" inside each role's sequences, ending with the
 *  open turn's header (and the text being continued) so the model writes on from there. */
export function textFormat(template: InstructTemplate, tokenizer: Tokenizer): PromptFormat {
  const overhead = {
    system: tokenizer.count(template.system.prefix) + tokenizer.count(template.system.suffix),
    user: tokenizer.count(template.user.prefix) + tokenizer.count(template.user.suffix),
    assistant: tokenizer.count(template.assistant.prefix) + tokenizer.count(template.assistant.suffix),
  };
  const contentOf = (turn: Turn) => (turn.role === 'system' ? turn.text : `${turn.name}: ${turn.text}`);
  const openText = (open: Turn) => `${open.name}:${open.text ? ` ${open.text}` : ''}`;
  return {
    contentOf,
    turnCost: (turn, contentTokens) => contentTokens + overhead[turn.role],
    openCost: (open) => tokenizer.count(template[open.role].prefix) + tokenizer.count(openText(open)),
    render: (turns, open) => ({
      kind: 'text',
      prompt:
        turns.map((t) => template[t.role].prefix + contentOf(t) + template[t.role].suffix).join('') +
        template[open.role].prefix +
        openText(open),
    }),
  };
}

/** The token count of a rendered prompt: exact for text, OpenAI's accounting for chat messages. */
export function countPrompt(prompt: FormattedPrompt, tokenizer: Tokenizer): number {
  if (prompt.kind === 'text') return tokenizer.count(prompt.prompt);
  return prompt.messages.reduce((sum, m) => sum + tokenizer.count(m.content) + TOKENS_PER_MESSAGE, REPLY_PRIMING_TOKENS);
}
