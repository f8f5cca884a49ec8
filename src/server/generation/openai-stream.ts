import type { EventSourceMessage } from 'eventsource-parser';
import { MESSAGE_MAX_CHARS } from '../../shared/api/chats.js';
import type { ReplyUsage } from '../../shared/api/generation.js';
import { cutText } from '../../shared/cut-text.js';
import type { FormattedPrompt } from './prompt-format.js';
import { count, ReplyStream, type ReplySink, type StreamOutcome } from './reply-stream.js';
import { invalidResponse, redact, upstreamMessage, type UpstreamPlace } from './upstream-error.js';

type Kind = Extract<FormattedPrompt['kind'], 'chat' | 'text'>;

/**
 * OpenAI-compatible streams (chat and text completions): `data: {choices: [{delta: {content}}]}` lines ending with
 * `[DONE]` or a finish_reason. Reasoning arrives as `delta.reasoning_content` (DeepSeek, llama.cpp, xAI) or
 * `delta.reasoning` (OpenRouter, vLLM, Groq, Ollama); usage in a chunk of its own at the end.
 */
export class OpenAiReplyStream extends ReplyStream {
  constructor(
    readonly kind: Kind,
    place: UpstreamPlace,
    apiKey: string | null | undefined,
    sink: ReplySink,
  ) {
    super(place, apiKey, sink);
  }

  protected onData(event: EventSourceMessage): void {
    if (event.data.trim() === '[DONE]') {
      this.finished = true;
      return;
    }
    const chunk = this.json(event.data);
    if (chunk && typeof chunk === 'object' && 'error' in chunk) {
      const said = redact(upstreamMessage(JSON.stringify(chunk)) || 'unknown error', this.apiKey);
      throw this.fail('server_error', `${this.place.url.host} reported an error during the reply: "${said}"`);
    }
    const choice = firstChoice(chunk);
    const reasoning = reasoningOf(choice?.delta);
    if (reasoning) this.appendReasoning(reasoning);
    const delta = textOf(choice, this.kind, 'delta');
    if (delta) this.appendText(delta);
    if (typeof choice?.finish_reason === 'string') this.finishReason = choice.finish_reason;
    const usage = usageOf(chunk);
    if (usage) this.setUsage(usage);
  }
}

/** For backends that answer `stream: true` with one JSON completion. */
export async function readWholeReply(response: Response, place: UpstreamPlace, kind: Kind, sink: ReplySink): Promise<StreamOutcome> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw invalidResponse(place, 'JSON that does not parse');
  }
  const choice = firstChoice(body);
  const text = textOf(choice, kind, 'message');
  if (text === undefined) throw invalidResponse(place, 'JSON without choices[0] text');
  const reasoning = cutText(reasoningOf(choice?.message) ?? '', MESSAGE_MAX_CHARS);
  if (reasoning) sink.onReasoning?.(reasoning);
  const clipped = cutText(text, MESSAGE_MAX_CHARS);
  if (clipped) sink.onText(clipped);
  const usage = usageOf(body);
  if (usage) sink.onUsage?.(usage);
  return { text: clipped, reasoning, finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null, stopped: false, usage };
}

interface Delta {
  content?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
}

interface Choice {
  delta?: Delta;
  message?: Delta;
  text?: unknown;
  finish_reason?: unknown;
}

function firstChoice(chunk: unknown): Choice | undefined {
  const choices = (chunk as { choices?: unknown } | null)?.choices;
  return Array.isArray(choices) && choices[0] && typeof choices[0] === 'object' ? (choices[0] as Choice) : undefined;
}

/** The text of a choice: chat puts it in delta/message.content, text completion in text; some servers mix them. */
function textOf(choice: Choice | undefined, kind: Kind, chatField: 'delta' | 'message'): string | undefined {
  if (!choice) return undefined;
  const chat = choice[chatField]?.content;
  const text = choice.text;
  const first = kind === 'chat' ? [chat, text] : [text, chat];
  return first.find((t): t is string => typeof t === 'string');
}

const reasoningOf = (delta: Delta | undefined): string | undefined =>
  [delta?.reasoning_content, delta?.reasoning].find((r): r is string => typeof r === 'string' && r !== '');

/** OpenAI's usage (cached and reasoning tokens in its details), with DeepSeek's cache-hit count. */
export function usageOf(chunk: unknown): ReplyUsage | null {
  const usage = (chunk as { usage?: unknown } | null)?.usage;
  if (!usage || typeof usage !== 'object') return null;
  const u = usage as Record<string, unknown>;
  const prompt = count(u.prompt_tokens);
  const completion = count(u.completion_tokens);
  if (prompt === undefined || completion === undefined) return null;
  const cached = count((u.prompt_tokens_details as Record<string, unknown> | undefined)?.cached_tokens) ?? count(u.prompt_cache_hit_tokens);
  const reasoning = count((u.completion_tokens_details as Record<string, unknown> | undefined)?.reasoning_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    ...(cached !== undefined && cached > 0 && { cache_read_tokens: cached }),
    ...(reasoning !== undefined && reasoning > 0 && { reasoning_tokens: reasoning }),
  };
}
