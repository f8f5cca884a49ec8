/** The one honest signal about the user's changes. */
export type SaveState = 'saved' | 'saving' | 'offline' | 'sign-in';

export interface SaveStatus {
  state: SaveState;
  /** Changes in the outbox, not yet acknowledged by the server. */
  pending: number;
}

const plural = (n: number) => `${n} ${n === 1 ? 'change' : 'changes'}`;

export function describeSaveStatus(status: SaveStatus): string {
  switch (status.state) {
    case 'saved':
      return 'Saved';
    case 'saving':
      return 'Saving…';
    case 'offline':
      return `Offline — ${plural(status.pending)} waiting`;
    case 'sign-in':
      return `Sign in to save ${plural(status.pending)}`;
  }
}

export function deriveSaveState(pending: number, offline: boolean, signInNeeded: boolean): SaveState {
  if (pending === 0) return 'saved';
  if (signInNeeded) return 'sign-in';
  return offline ? 'offline' : 'saving';
}
