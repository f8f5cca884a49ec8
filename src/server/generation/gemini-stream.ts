import type { EventSourceMessage } from 'eventsource-parser';
import { count, ReplyStream } from './reply-stream.js';
import { redact, upstreamMessage } from './upstream-error.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

/** Finish reasons that end a reply normally; every other one is a block said in words. */
const NORMAL_ENDS = new Set(['STOP', 'MAX_TOKENS', 'FINISH_REASON_UNSPECIFIED']);

const BLOCK_WORDS: Record<string, string> = {
  SAFETY: 'its safety filter',
  RECITATION: 'its recitation check (the reply repeated a known text)',
  PROHIBITED_CONTENT: 'its prohibited-content filter',
  BLOCKLIST: 'its blocklist',
  SPII: 'its personal-information filter',
  IMAGE_SAFETY: 'its image safety filter',
  LANGUAGE: 'a language it does not support',
  OTHER: 'an unnamed reason',
};

/**
 * The Gemini API's stream (`streamGenerateContent?alt=sse`): each `data:` line is a GenerateContentResponse with
 * candidate parts (a part with `thought: true` is reasoning), usageMetadata, and, at the end, a finishReason; the
 * stream ends with the connection, so a close before a finishReason is a cut. A blocked prompt (promptFeedback) or a
 * reply stopped by SAFETY, RECITATION and the like fails in words with the text so far kept; MAX_TOKENS is a normal
 * end unless it left no reply at all.
 */
export class GeminiReplyStream extends ReplyStream {
  protected onData(event: EventSourceMessage): void {
    const chunk = obj(this.json(event.data));
    const host = this.place.url.host;
    if (chunk.error !== undefined) {
      const said = redact(upstreamMessage(JSON.stringify(chunk)) || 'unknown error', this.apiKey);
      const overloaded = /overloaded|UNAVAILABLE/i.test(said);
      throw this.fail(
        overloaded ? 'overloaded' : 'server_error',
        overloaded
          ? `${host} is overloaded and stopped the reply; the text so far is kept. Try again in a moment. ("${said}")`
          : `${host} reported an error during the reply: "${said}"`,
      );
    }
    const blocked = obj(chunk.promptFeedback).blockReason;
    if (typeof blocked === 'string') {
      throw this.fail(
        'content_blocked',
        `Gemini refused the prompt (${blocked}: ${BLOCK_WORDS[blocked] ?? 'a block'}). Lower the safety settings of the connection or change the last message.`,
      );
    }
    const candidate = obj(Array.isArray(chunk.candidates) ? chunk.candidates[0] : undefined);
    const parts = obj(candidate.content).parts;
    for (const part of Array.isArray(parts) ? parts.map(obj) : []) {
      if (typeof part.text !== 'string') continue;
      if (part.thought === true) this.appendReasoning(part.text);
      else this.appendText(part.text);
    }
    this.#usage(obj(chunk.usageMetadata));
    const reason = candidate.finishReason;
    if (typeof reason !== 'string') return;
    this.finishReason = reason;
    this.finished = true;
    if (!NORMAL_ENDS.has(reason)) {
      throw this.fail(
        'content_blocked',
        `Gemini stopped the reply because of ${BLOCK_WORDS[reason] ?? reason} (${reason}); the text so far is kept. Regenerate, or lower the connection's safety settings.`,
      );
    }
    if (reason === 'MAX_TOKENS' && this.text === '') {
      throw this.fail(
        'bad_request',
        'Gemini spent the whole response length before writing a reply (MAX_TOKENS): raise the response length or lower the reasoning effort.',
      );
    }
  }

  #usage(u: Json): void {
    const prompt = count(u.promptTokenCount);
    if (prompt === undefined) return;
    const candidates = count(u.candidatesTokenCount) ?? 0;
    const thoughts = count(u.thoughtsTokenCount) ?? 0;
    const cached = count(u.cachedContentTokenCount) ?? 0;
    this.setUsage({
      prompt_tokens: prompt,
      // Thoughts are billed as output; Gemini counts them apart from the candidates.
      completion_tokens: candidates + thoughts,
      ...(cached > 0 && { cache_read_tokens: cached }),
      ...(thoughts > 0 && { reasoning_tokens: thoughts }),
    });
  }
}
