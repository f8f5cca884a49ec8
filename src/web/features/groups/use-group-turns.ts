import { useCallback, useEffect, useRef, useState } from 'react';
import type { GenerationMode } from '../../../shared/api/generation.js';
import type { Group } from '../../../shared/api/groups.js';
import type { GroupTurn } from '../../api/generation-api.js';
import type { RunningReply } from '../chat/use-generation.js';

interface Generation {
  running: RunningReply | null;
  busy: boolean;
  /** Set when the last reply failed. */
  problem: unknown;
  start(mode: GenerationMode, turn?: GroupTurn): void;
  stop(): void;
}

/**
 * A group chat's turns: the members the server chose after the first speak one after the other (each forced in
 * turn), and auto-mode asks for the next reply after the group's delay until the user types or turns it off.
 */
export function useGroupTurns(group: Group | null, generation: Generation) {
  const [auto, setAuto] = useState(false);
  const queue = useRef<string[]>([]);
  const { running, busy, problem, start } = generation;

  // The server names who speaks after this reply only when it chose the speaker itself.
  useEffect(() => {
    if (running?.queue && running.queue.length > 0) queue.current = running.queue;
  }, [running?.generationId, running?.queue]);

  // A failed reply ends the turn and auto-mode: nothing keeps asking a backend that refuses.
  useEffect(() => {
    if (!problem) return;
    queue.current = [];
    setAuto(false);
  }, [problem]);

  const idle = group !== null && running === null && !busy;
  useEffect(() => {
    if (!idle) return;
    const [next, ...rest] = queue.current;
    if (next) {
      queue.current = rest;
      void start('new', { speakerId: next });
      return;
    }
    if (!auto || !group) return;
    const timer = setTimeout(() => void start('new', { auto: true }), group.settings.autoModeDelay * 1000);
    return () => clearTimeout(timer);
  }, [idle, auto, group, start]);

  /** The user typed or stopped: the members stop talking on their own. */
  const interrupt = useCallback(() => {
    queue.current = [];
    setAuto(false);
  }, []);

  const speak = useCallback((speakerId: string) => void start('new', { speakerId }), [start]);

  return { auto, setAuto, interrupt, speak };
}
