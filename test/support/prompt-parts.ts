import type { Message } from '../../src/shared/api/chats.js';
import type { DepthPart, PromptPart } from '../../src/server/generation/prompt-pipeline/prompt-parts.js';
import type { Tokenizer } from '../../src/server/generation/tokenizer.js';

/** One token per character: budgets in pipeline tests can be worked out by hand. */
export const charTokenizer: Tokenizer = { info: { name: 'chars', exact: true, label: 'chars' }, count: (t) => t.length };

/** A history message part, already expanded. */
export const messagePart = (id: string, role: PromptPart['role'], text: string): PromptPart => ({
  part: 'history',
  source: { kind: 'message', detail: id },
  role,
  name: role === 'user' ? 'Ann' : role === 'assistant' ? 'Sera' : 'system',
  text,
  macros: { kind: 'none' },
});

export const depthPart = (depth: number, role: PromptPart['role'], text: string): DepthPart => ({
  part: 'lorebook',
  source: { kind: 'world_info', detail: 'at_depth' },
  role,
  name: role,
  text,
  macros: { kind: 'none' },
  depth,
});

export const systemPart = (part: PromptPart['part'], text: string, macros: PromptPart['macros'] = { kind: 'none' }): PromptPart => ({
  part,
  source: { kind: 'card', detail: part },
  role: 'system',
  name: 'system',
  text,
  macros,
});

let seq = 0;
export const message = (role: Message['role'], content: string, over: Partial<Message> = {}): Message => {
  seq++;
  return {
    id: `m${seq}`,
    seq,
    role,
    name: role === 'user' ? 'Ann' : role === 'assistant' ? 'Sera' : 'System',
    content,
    swipes: [content],
    swipeIndex: 0,
    createdAt: '2024-09-28T13:02:00.000Z',
    extra: {},
    revision: 1,
    status: 'complete',
    hidden: false,
    bookmarked: false,
    ...over,
  };
};
