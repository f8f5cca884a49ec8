/**
 * Runs `task` while holding a lock shared by every tab of the origin, so one tab at a time sends the outbox and
 * an op is sent once. Web Locks exist only in secure contexts (https or localhost); over plain http on a LAN the
 * task runs unlocked, and the server's idempotent op ids keep a second send harmless.
 */
export function withTabLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (!locks) return task();
  return locks.request(name, task) as Promise<T>;
}
