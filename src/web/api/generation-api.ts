import { EventSourceParserStream } from 'eventsource-parser/stream';
import {
  GenerationDoneEvent,
  GenerationErrorEvent,
  GenerationReasoningEvent,
  GenerationStartEvent,
  GenerationStopResponse,
  GenerationTokenEvent,
  PromptInspection,
  type GenerationMode,
} from '../../shared/api/generation.js';
import type { Transport } from './transport.js';

export interface GenerationHandlers {
  onStart(event: GenerationStartEvent): void;
  onToken(event: GenerationTokenEvent): void;
  /** A piece of the model's reasoning, before or between tokens. */
  onReasoning?(event: GenerationReasoningEvent): void;
  onDone(event: GenerationDoneEvent): void;
  onError(event: GenerationErrorEvent): void;
}

export interface GroupTurn {
  speakerId?: string;
  auto?: boolean;
}

/** How a stream ended: with its final event, or cut off (the reply goes on on the server; re-attach to follow). */
export type StreamEnd = 'finished' | 'cut';

async function follow(response: Response, handlers: GenerationHandlers): Promise<StreamEnd> {
  if (!response.body) return 'cut';
  const reader = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  // Ends when the server closes the stream; each read is one event.
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return 'cut';
    const data: unknown = JSON.parse(value.data);
    switch (value.event) {
      case 'start':
        handlers.onStart(GenerationStartEvent.parse(data));
        break;
      case 'token':
        handlers.onToken(GenerationTokenEvent.parse(data));
        break;
      case 'reasoning':
        handlers.onReasoning?.(GenerationReasoningEvent.parse(data));
        break;
      case 'done':
        handlers.onDone(GenerationDoneEvent.parse(data));
        await reader.cancel();
        return 'finished';
      case 'error':
        handlers.onError(GenerationErrorEvent.parse(data));
        await reader.cancel();
        return 'finished';
    }
  }
}

/** Replies streamed as server-sent events over fetch (EventSource cannot POST). */
export class GenerationApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /** `turn`: in a group chat, a member forced to speak, or auto-mode asking. */
  async generate(
    chatId: string,
    mode: GenerationMode,
    handlers: GenerationHandlers,
    signal: AbortSignal,
    turn: GroupTurn = {},
  ): Promise<StreamEnd> {
    const response = await this.#http.send('POST', `/api/chats/${encodeURIComponent(chatId)}/generate`, {
      body: { mode, ...turn },
      signal,
    });
    return follow(response, handlers);
  }

  /** Follows a running generation again (after a dropped connection or a reload). */
  async attach(generationId: string, handlers: GenerationHandlers, signal: AbortSignal): Promise<StreamEnd> {
    const response = await this.#http.send('GET', `/api/generations/${encodeURIComponent(generationId)}/stream`, { signal });
    return follow(response, handlers);
  }

  stop = (generationId: string) =>
    this.#http.json('POST', `/api/generations/${encodeURIComponent(generationId)}/stop`, GenerationStopResponse);

  prompt = (chatId: string, signal?: AbortSignal) =>
    this.#http.json('GET', `/api/chats/${encodeURIComponent(chatId)}/prompt`, PromptInspection, signal && { signal });
}
