import { useCallback, useEffect, useRef, useState } from 'react';
import type { GenerationErrorEvent, GenerationMode } from '../../../shared/api/generation.js';
import type { GenerationHandlers } from '../../api/generation-api.js';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../app/services.js';
import { chatIdOf } from '../../sync/change.js';

export interface RunningReply {
  mode: GenerationMode;
  generationId: string | null;
  /** The message being written (null for an impersonation, which writes into the composer). */
  messageId: string | null;
  /** Text before the stream (a continued reply keeps what it had). */
  prefix: string;
  text: string;
  /** The stream ended; the overlay stays until the chat shows the stored reply. */
  finished: boolean;
}

/** A dropped stream is re-attached this many times; the reply goes on on the server regardless. */
const MAX_REATTACH = 5;

function sentenceOf(event: GenerationErrorEvent): string {
  return event.message || 'The model did not answer.';
}

/**
 * One reply at a time per chat, streamed token by token. The server stores the reply as it streams, so a
 * dropped connection loses nothing: the stream is re-attached, and a reload finds the text in the chat.
 */
export function useGeneration(chatId: string, prefixOf: (messageId: string) => string) {
  const { api, engine } = useServices();
  const [running, setRunning] = useState<RunningReply | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const prefixRef = useRef(prefixOf);
  prefixRef.current = prefixOf;

  useEffect(() => () => abort.current?.abort(), []);

  const refreshChat = useCallback(() => engine.publish([`chat:${chatId}`]), [engine, chatId]);

  const start = useCallback(
    async (mode: GenerationMode) => {
      if (abort.current) return;
      const controller = new AbortController();
      abort.current = controller;
      setProblem(null);
      setRunning({ mode, generationId: null, messageId: null, prefix: '', text: '', finished: false });
      let generationId: string | null = null;
      const handlers: GenerationHandlers = {
        onStart: (event) => {
          generationId = event.generationId;
          const messageId = mode === 'impersonate' ? null : event.messageId;
          const prefix = mode === 'continue' && messageId ? prefixRef.current(messageId) : '';
          setRunning((prev) => prev && { ...prev, generationId, messageId, prefix });
          refreshChat();
        },
        onToken: (event) => setRunning((prev) => prev && { ...prev, text: prev.text + event.text }),
        onDone: () => {
          setRunning((prev) => prev && { ...prev, finished: true });
          refreshChat();
        },
        onError: (event) => {
          setProblem(sentenceOf(event));
          setRunning((prev) => prev && { ...prev, finished: true });
          refreshChat();
        },
      };
      try {
        // The reply must see every message the user sent: wait until the outbox has delivered this chat's.
        await engine.whenSaved(
          (change) => chatIdOf(change) === chatId,
          controller.signal,
        );
        let end = await api.generation.generate(chatId, mode, handlers, controller.signal);
        for (let attempt = 1; end === 'cut' && generationId && attempt <= MAX_REATTACH; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
          end = await api.generation.attach(generationId, handlers, controller.signal).catch(() => 'cut' as const);
        }
        if (end === 'cut') setRunning((prev) => prev && { ...prev, finished: true });
      } catch (error) {
        if (!controller.signal.aborted) {
          setProblem(error instanceof RequestError ? error.message : 'The server could not be reached for a reply.');
        }
        setRunning((prev) => prev && { ...prev, finished: true });
      } finally {
        abort.current = null;
        refreshChat();
      }
    },
    [api, engine, chatId, refreshChat],
  );

  const stop = useCallback(() => {
    const id = running?.generationId;
    if (id) void api.generation.stop(id).catch(() => abort.current?.abort());
    else abort.current?.abort();
  }, [api, running?.generationId]);

  /** The chat now shows the stored reply: the overlay can go. */
  const settle = useCallback(() => setRunning((prev) => (prev?.finished ? null : prev)), []);

  return { running, problem, dismissProblem: () => setProblem(null), start, stop, settle, busy: running !== null && !running.finished };
}
