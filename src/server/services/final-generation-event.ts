import type { GenerationEvent, GenerationState } from '../../shared/api/generation.js';
import type { GenerationFailure } from '../store/generations-repository.js';

export interface GenerationOutcome {
  state: Exclude<GenerationState, 'running'>;
  /** The reply's message; null for an impersonation. */
  messageId: string | null;
  /** Whether the message holds text of this generation (false when it was undone or changed by someone else). */
  kept: boolean;
  /** The chat revision that includes the end. */
  revision: number;
  error: GenerationFailure | null;
}

/** The last SSE event of a generation: `done` when it completed or was stopped, `error` otherwise. */
export function finalGenerationEvent(o: GenerationOutcome): Extract<GenerationEvent, { event: 'done' | 'error' }> {
  if (o.state === 'complete' || o.state === 'stopped') {
    return { event: 'done', data: { messageId: o.messageId ?? '', revision: o.revision, ...(o.state === 'stopped' && { stopped: true }) } };
  }
  const error = o.error ?? { code: 'internal_error', message: 'The generation failed.', failure: null };
  return {
    event: 'error',
    data: {
      error: error.code,
      message: error.message,
      ...(error.failure && { failure: error.failure }),
      ...(o.kept && o.messageId && { messageId: o.messageId }),
    },
  };
}
