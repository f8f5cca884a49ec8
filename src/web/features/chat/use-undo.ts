import type { UndoStepView } from '../../../shared/api/history.js';
import type { ChatOpDraft } from '../../sync/change.js';
import { useServices } from '../../ui/services.js';
import { usePendingChanges } from '../../ui/use-pending-changes.js';
import { useResource } from '../../ui/use-resource.js';

const LABELS: Record<UndoStepView['kind'], string> = {
  edit: 'Undo edit',
  delete: 'Undo delete',
  selectSwipe: 'Undo swipe choice',
  setHidden: 'Undo hide',
  setReasoning: 'Undo reasoning edit',
};

export interface Undo {
  /** What the button undoes next, or null when nothing can be. */
  label: string | null;
  undo(): void;
}

/**
 * The chat's undo: the server's list of steps (kept in the database, so it survives a reload), less those whose
 * undo waits in the outbox, so pressing again while offline takes back the step before.
 */
export function useUndo(chatId: string, sendOp: (op: ChatOpDraft) => unknown): Undo {
  const { api } = useServices();
  const steps = useResource((signal) => api.chats.undoSteps(chatId, signal), [`chat:${chatId}`], `undo:${chatId}`);
  const queued = usePendingChanges(
    (change) => (change.kind === 'chat-op' && change.op.type === 'undo' ? change.op.target : null),
    steps.data,
  );
  const next = steps.data?.steps.find((step) => !queued.includes(step.opId)) ?? null;
  return {
    label: next ? LABELS[next.kind] : null,
    undo: () => {
      if (next) void sendOp({ type: 'undo', target: next.opId });
    },
  };
}
