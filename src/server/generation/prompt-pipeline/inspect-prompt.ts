import type { PromptInspection, PromptPartName, PromptSection } from '../../../shared/api/generation.js';
import { neutralAsMessages, type FormattedPrompt, type PromptFormat } from '../prompt-format.js';
import type { FittedPrompt } from './fit-budget.js';
import { turnOf } from './format-for-api.js';
import type { GatheredPrompt, PromptAssemblyInput, PromptPart } from './prompt-parts.js';

type CountedPart = Exclude<PromptPartName, 'formatting'>;

/**
 * Stage 6: what the prompt inspector shows: tokens per part (the rest is `formatting`, so they add up to the
 * total), how much history and how many example blocks went, world info's report, every section in prompt order
 * with where it came from, and what was sent.
 */
export function inspectPrompt(
  input: PromptAssemblyInput,
  expanded: GatheredPrompt,
  fitted: FittedPrompt<FormattedPrompt>,
  format: PromptFormat,
  stop: string[],
): PromptInspection {
  const { tokenizer } = input;
  const wi = input.worldInfo ?? null;
  const budget = input.settings.context_size - input.settings.max_tokens;
  const count = (part: PromptPart) => tokenizer.count(part.text);
  const section = (part: PromptPart, tokens: number, included = true, depth?: number): PromptSection => ({
    part: part.part,
    source: part.source,
    role: part.role,
    tokens,
    included,
    ...(depth !== undefined ? { depth } : {}),
  });

  const sections: PromptSection[] = [];
  const counts: Record<CountedPart, number> = {
    system_prompt: 0,
    lorebook: wi ? wi.inspection.budget.used : 0,
    description: 0,
    personality: 0,
    scenario: 0,
    persona: 0,
    example_dialogue: 0,
    history: 0,
    post_history_instructions: 0,
    authors_note: 0,
    continue_nudge: 0,
    start_reply_with: 0,
    impersonation_prompt: 0,
    custom_prompt: 0,
  };
  const add = (part: PromptPart, tokens: number) => {
    // World info's tokens are its activation's budget (counted when activated), not these texts'.
    if (part.part !== 'lorebook') counts[part.part] += tokens;
  };
  for (const part of expanded.system) {
    const tokens = count(part);
    add(part, tokens);
    if (part.text) sections.push(section(part, tokens));
  }
  const keptExamples = new Set(fitted.examples);
  for (const part of expanded.examples) {
    const kept = keptExamples.has(part);
    const tokens = count(part);
    if (kept) add(part, tokens);
    sections.push(section(part, tokens, kept));
  }
  let includedMessages = 0;
  for (const item of fitted.chat) {
    if (item.injected) {
      const tokens = count(item.part);
      add(item.part, tokens);
      sections.push(section(item.part, tokens, true, 'depth' in item.part ? (item.part.depth as number) : undefined));
      continue;
    }
    const tokens = tokenizer.count(format.contentOf(turnOf(item.part)));
    add(item.part, tokens);
    includedMessages++;
    sections.push(section(item.part, tokens));
  }
  const continued = expanded.continuing ? tokenizer.count(format.contentOf(turnOf(expanded.open))) : 0;
  if (expanded.continuing) {
    counts.history += continued;
    sections.push(section(expanded.open, continued));
  }
  for (const part of expanded.tail) {
    const tokens = count(part);
    add(part, tokens);
    sections.push(section(part, tokens));
  }
  if (expanded.open.part === 'start_reply_with') {
    const tokens = count(expanded.open);
    add(expanded.open, tokens);
    sections.push(section(expanded.open, tokens));
  }
  if (expanded.prefill) sections.push(section(expanded.prefill, count(expanded.prefill)));

  const { rendered: prompt, totalTokens } = fitted;
  const counted = Object.values(counts).reduce((a, b) => a + b, 0);
  const target = expanded.target;
  return {
    api: input.api,
    model: input.model,
    mode: input.mode,
    tokenizer: tokenizer.info,
    contextSize: input.settings.context_size,
    maxTokens: input.settings.max_tokens,
    budget,
    totalTokens,
    fits: totalTokens <= budget,
    parts: [
      ...Object.entries(counts).map(([part, tokens]) => ({ part: part as PromptPartName, tokens })),
      { part: 'formatting', tokens: Math.max(0, totalTokens - counted) },
    ],
    history: {
      included: includedMessages + (continued ? 1 : 0),
      dropped: fitted.dropped,
      firstIncludedMessageId:
        fitted.chat.find((item) => !item.injected)?.part.source.detail ?? (continued && target ? target.id : null),
    },
    lorebookEntries: (wi?.inspection.entries ?? []).map((e) => ({ name: e.name, tokens: e.tokens, included: e.included })),
    ...(wi ? { worldInfo: wi.inspection } : {}),
    exampleBlocks: { included: fitted.examples.length, total: expanded.examples.length },
    sections,
    ...(prompt.kind === 'chat'
      ? { messages: prompt.messages }
      : prompt.kind === 'neutral'
        ? { messages: neutralAsMessages(prompt.prompt) }
        : { prompt: prompt.prompt }),
    stop,
    createdAt: new Date(input.now).toISOString(),
  };
}
