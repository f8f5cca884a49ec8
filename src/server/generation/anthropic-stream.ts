import type { EventSourceMessage } from 'eventsource-parser';
import type { ReplyUsage } from '../../shared/api/generation.js';
import { count, ReplyStream } from './reply-stream.js';
import { redact } from './upstream-error.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

/**
 * Anthropic's Messages stream: `message_start` (input usage), `content_block_start/delta/stop` with `text_delta` and
 * `thinking_delta` (extended thinking, kept as reasoning), `message_delta` (stop reason, output usage),
 * `message_stop`, `ping`, and `error` (e.g. overloaded_error mid-stream). A `refusal` stop reason is a safety block.
 */
export class AnthropicReplyStream extends ReplyStream {
  #input: Omit<ReplyUsage, 'completion_tokens'> | null = null;

  protected onData(event: EventSourceMessage): void {
    const data = obj(this.json(event.data));
    const type = typeof data.type === 'string' ? data.type : event.event;
    switch (type) {
      case 'message_start':
        this.#onUsage(obj(obj(data.message).usage));
        break;
      case 'content_block_start': {
        // A block may open with text already in it.
        const block = obj(data.content_block);
        if (block.type === 'text' && typeof block.text === 'string') this.appendText(block.text);
        if (block.type === 'thinking' && typeof block.thinking === 'string') this.appendReasoning(block.thinking);
        break;
      }
      case 'content_block_delta': {
        const delta = obj(data.delta);
        if (delta.type === 'text_delta' && typeof delta.text === 'string') this.appendText(delta.text);
        if (delta.type === 'thinking_delta' && typeof delta.thinking === 'string') this.appendReasoning(delta.thinking);
        break;
      }
      case 'message_delta': {
        const reason = obj(data.delta).stop_reason;
        if (typeof reason === 'string') this.finishReason = reason;
        this.#onUsage(obj(data.usage));
        if (reason === 'max_tokens' && this.text === '') {
          throw this.fail(
            'bad_request',
            `${this.place.url.host} spent the whole response length thinking before writing a reply: raise the response length or lower the reasoning effort.`,
          );
        }
        if (reason === 'refusal') {
          throw this.fail(
            'content_blocked',
            `${this.place.url.host} stopped the reply for safety (stop reason "refusal"); the text so far is kept. Rephrase the last message or try another model.`,
          );
        }
        break;
      }
      case 'message_stop':
        this.finished = true;
        break;
      case 'error':
        throw this.#streamedError(obj(data.error));
      // ping, content_block_stop and event types added later change nothing.
    }
  }

  /** message_start carries the prompt's counts; message_delta the output's (cumulative), sometimes the prompt's again. */
  #onUsage(u: Json): void {
    const input = count(u.input_tokens);
    if (input !== undefined) {
      const write = count(u.cache_creation_input_tokens) ?? 0;
      const read = count(u.cache_read_input_tokens) ?? 0;
      this.#input = {
        // Anthropic's input_tokens leaves out what was read from or written to the cache; prompt_tokens counts all.
        prompt_tokens: input + write + read,
        ...(read > 0 && { cache_read_tokens: read }),
        ...(write > 0 && { cache_write_tokens: write }),
      };
    }
    const output = count(u.output_tokens);
    if (this.#input && output !== undefined) this.setUsage({ ...this.#input, completion_tokens: output });
  }

  #streamedError(error: Json) {
    const host = this.place.url.host;
    const said = redact(typeof error.message === 'string' ? error.message : 'unknown error', this.apiKey);
    switch (error.type) {
      case 'overloaded_error':
        return this.fail('overloaded', `${host} is overloaded and stopped the reply; the text so far is kept. Try again in a moment. ("${said}")`);
      case 'rate_limit_error':
        return this.fail('rate_limited', `${host} is rate-limiting requests and stopped the reply; the text so far is kept. Wait a moment and try again. ("${said}")`);
      default:
        return this.fail('server_error', `${host} reported an error during the reply: "${said}"`);
    }
  }
}
