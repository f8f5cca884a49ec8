import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunningGenerationInfo } from '../../../shared/api/chats.js';
import type { GenerationErrorEvent, GenerationMode } from '../../../shared/api/generation.js';
import type { GenerationHandlers, GroupTurn, StreamEnd } from '../../api/generation-api.js';
import { RequestError } from '../../api/request-error.js';
import { useServices } from '../../ui/services.js';
import { chatIdOf } from '../../sync/change.js';

export interface RunningReply {
  mode: GenerationMode;
  generationId: string | null;
  /** The message being written (null for an impersonation, which writes into the composer). */
  messageId: string | null;
  /** For a continued reply: how many characters of the message were there before the stream (null otherwise). */
  continuedFrom: number | null;
  text: string;
  /** The model's reasoning streamed so far. */
  reasoning: string;
  /** The stream ended; the overlay stays until the chat shows the stored reply. */
  finished: boolean;
  /** The user stopped it (here or on another device). */
  stopped: boolean;
  /** Group chats: the member speaking, and those the server chose to speak after it. */
  speakerId?: string | undefined;
  queue?: string[] | undefined;
}

/** A generate refused because another reply runs in the chat: what the user asked for, and the one running. */
export interface BusyRefusal {
  mode: GenerationMode;
  generationId: string;
}

/** Why the last reply failed, and what generating again means (a reply cut mid-way gets another swipe). */
export interface GenerationProblem {
  message: string;
  retry: GenerationMode | null;
}

/** A dropped stream is re-attached this many times; the reply goes on on the server regardless. */
const MAX_REATTACH = 5;

function sentenceOf(event: GenerationErrorEvent): string {
  return event.message || 'The model did not answer.';
}

function runningGenerationOf(error: unknown): string | null {
  if (!(error instanceof RequestError) || error.status !== 409) return null;
  const id = (error.details as { generationId?: unknown } | undefined)?.generationId;
  return typeof id === 'string' ? id : null;
}

/**
 * One reply at a time per chat, streamed token by token. The server owns the reply, so this view follows whatever
 * runs in the chat: the one it started, and one started elsewhere or before a reload (`announced`, from the chat),
 * which it re-attaches to. A dropped connection loses nothing: the stream is re-attached.
 */
export function useGeneration(chatId: string, contentOf: (messageId: string) => string, announced: RunningGenerationInfo | null | undefined) {
  const { api, engine } = useServices();
  const [running, setRunning] = useState<RunningReply | null>(null);
  const [problem, setProblem] = useState<GenerationProblem | null>(null);
  const [refusal, setRefusal] = useState<BusyRefusal | null>(null);
  /** Replies the user stopped while this view was open (here or on another device), marked "stopped". */
  const [stoppedIds, setStoppedIds] = useState<ReadonlySet<string>>(() => new Set());
  const abort = useRef<AbortController | null>(null);
  /** The stream being followed, settled when it ends. */
  const following = useRef<Promise<void> | null>(null);
  /** Generations whose end this view has seen: a chat read before the end must not bring them back. */
  const ended = useRef(new Set<string>());
  const contentRef = useRef(contentOf);
  contentRef.current = contentOf;

  useEffect(() => () => abort.current?.abort(), []);

  const refreshChat = useCallback(() => engine.publish([`chat:${chatId}`]), [engine, chatId]);

  const follow = useCallback(
    (initial: RunningReply, open: (handlers: GenerationHandlers, signal: AbortSignal) => Promise<StreamEnd>) => {
      const controller = new AbortController();
      abort.current = controller;
      setProblem(null);
      setRunning(initial);
      let generationId = initial.generationId;
      const finish = (patch: Partial<RunningReply> = {}) => {
        if (generationId) ended.current.add(generationId);
        setRunning((prev) => prev && { ...prev, ...patch, finished: true });
      };
      const handlers: GenerationHandlers = {
        onStart: (event) => {
          generationId = event.generationId;
          const messageId = initial.mode === 'impersonate' ? null : event.messageId;
          // A re-attached stream starts over with everything so far; a continued reply's start was read once.
          const before = initial.mode === 'continue' && messageId ? contentRef.current(messageId).length : null;
          setRunning((prev) => prev && { ...prev, generationId, messageId, continuedFrom: prev.continuedFrom ?? before, text: '', reasoning: '', speakerId: event.speakerId, queue: event.queue });
          // A new version is being written into the reply: "stopped" spoke of the one before.
          if (messageId) setStoppedIds((prev) => (prev.has(messageId) ? new Set([...prev].filter((id) => id !== messageId)) : prev));
          refreshChat();
        },
        onToken: (event) => setRunning((prev) => prev && { ...prev, text: prev.text + event.text }),
        onReasoning: (event) => setRunning((prev) => prev && { ...prev, reasoning: prev.reasoning + event.text }),
        onDone: (event) => {
          finish({ stopped: event.stopped === true });
          if (event.stopped && event.messageId) setStoppedIds((prev) => new Set(prev).add(event.messageId));
          refreshChat();
        },
        onError: (event) => {
          // Text kept from a cut reply stays as its first swipe; a new reply that left nothing is asked for again.
          const retry = initial.mode === 'new' && event.messageId ? 'regenerate' : initial.mode;
          setProblem({ message: sentenceOf(event), retry: event.error === 'conflict' ? null : retry });
          finish();
          refreshChat();
        },
      };
      const run = async () => {
        try {
          let end = await open(handlers, controller.signal);
          for (let attempt = 1; end === 'cut' && generationId && attempt <= MAX_REATTACH; attempt++) {
            await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
            if (controller.signal.aborted) return;
            end = await api.generation.attach(generationId, handlers, controller.signal).catch(() => 'cut' as const);
          }
          if (end === 'cut') finish();
        } catch (error) {
          const busyWith = runningGenerationOf(error);
          if (busyWith) setRefusal({ mode: initial.mode, generationId: busyWith });
          else if (!controller.signal.aborted) {
            const message = error instanceof RequestError ? error.message : 'The server could not be reached for a reply.';
            setProblem({ message, retry: generationId ? null : initial.mode });
          }
          if (busyWith || !generationId) setRunning(null);
          else finish();
        } finally {
          if (abort.current === controller) abort.current = null;
          following.current = null;
          refreshChat();
        }
      };
      following.current = run();
    },
    [api, refreshChat],
  );

  const start = useCallback(
    (mode: GenerationMode, turn: GroupTurn = {}) => {
      if (abort.current) return;
      setRefusal(null);
      const initial: RunningReply = { mode, generationId: null, messageId: null, continuedFrom: null, text: '', reasoning: '', finished: false, stopped: false };
      follow(initial, async (handlers, signal) => {
        // The reply must see every message the user sent: wait until the outbox has delivered this chat's.
        await engine.whenSaved((change) => chatIdOf(change) === chatId, signal);
        return api.generation.generate(chatId, mode, handlers, signal, turn);
      });
    },
    [api, engine, chatId, follow],
  );

  // A reply written for this chat by another tab or device, or before a reload: follow it here too.
  const announcedId = announced?.messageId ? announced.id : null;
  useEffect(() => {
    if (!announced || !announcedId || abort.current || ended.current.has(announcedId)) return;
    const { id, messageId, mode, continuedFrom } = announced;
    follow(
      { mode, generationId: id, messageId, continuedFrom: mode === 'continue' ? continuedFrom : null, text: '', reasoning: '', finished: false, stopped: false },
      (handlers, signal) => api.generation.attach(id, handlers, signal),
    );
    // Only a new generation id matters; the rest of `announced` comes with it.
  }, [announcedId, follow, api]);

  /** Stops a generation (the one followed here, or `id`); resolves once its stream here has ended. */
  const stopGeneration = useCallback(
    async (id: string | null) => {
      if (id) {
        await api.generation.stop(id).catch(() => abort.current?.abort());
      } else abort.current?.abort();
      await following.current;
    },
    [api],
  );

  const stop = useCallback(() => void stopGeneration(running?.generationId ?? null), [stopGeneration, running?.generationId]);

  /** Stops the reply being written, then generates `mode`: Regenerate or Continue asked while one runs. */
  const stopThenStart = useCallback(
    async (mode: GenerationMode, generationId: string | null) => {
      setRefusal(null);
      await stopGeneration(generationId ?? running?.generationId ?? null);
      if (generationId) ended.current.add(generationId);
      start(mode);
    },
    [stopGeneration, start, running?.generationId],
  );

  /** The chat now shows the stored reply: the overlay can go. */
  const settle = useCallback(() => setRunning((prev) => (prev?.finished ? null : prev)), []);

  return {
    running,
    stoppedIds,
    problem,
    dismissProblem: () => setProblem(null),
    refusal,
    dismissRefusal: () => setRefusal(null),
    start,
    stop,
    stopThenStart,
    settle,
    busy: running !== null && !running.finished,
  };
}
