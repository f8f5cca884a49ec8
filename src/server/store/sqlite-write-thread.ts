import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A write as it crosses to the thread: SQL and its values (flat arrays of strings and numbers clone cheaply). */
export interface ThreadWrite {
  sql: string;
  parameters: readonly unknown[];
  mustChange?: boolean | undefined;
}

/** A thread left idle this long is ended; the next import starts another. */
const IDLE_MS = 30_000;

// The thread: its own connection to the same file, committing without waiting for the disk (only relaxed
// transactions run here: see StoreDialect.writeOffThread). Each message is one transaction, run in order.
// Kept as source (as regex/time-limited-regex.ts does) so that tsx, tsc's output and the bundle all run it as is.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driver);
const database = new Sqlite(workerData.file);
database.pragma('synchronous = NORMAL');
database.pragma('foreign_keys = ON');
database.pragma('busy_timeout = 5000');
parentPort.postMessage('ready');
const statements = new Map();
const prepared = (sql) => {
  let statement = statements.get(sql);
  if (!statement) {
    if (statements.size >= 100) statements.clear();
    statement = database.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
};
const UNCHANGED = Symbol('unchanged');
const transaction = database.transaction((writes) => {
  for (const { sql, parameters, mustChange } of writes) {
    if (prepared(sql).run(parameters).changes === 0 && mustChange) throw UNCHANGED;
  }
});
parentPort.on('message', (message) => {
  if (message === 'close') {
    database.close();
    parentPort.close();
    return;
  }
  try {
    transaction(message);
    parentPort.postMessage({ written: true });
  } catch (error) {
    if (error === UNCHANGED) parentPort.postMessage({ written: false });
    else parentPort.postMessage({ error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

type Reply = 'ready' | { written: boolean } | { error: { message: string; code?: string } };

interface Pending {
  resolve(written: boolean): void;
  reject(error: unknown): void;
}

/** A running thread and the answers it owes, in order. */
interface Thread {
  worker: Worker;
  ready: boolean;
  pending: Pending[];
}

/**
 * A worker thread with its own connection to a SQLite file, running transactions of compiled writes while the
 * event loop's thread does other work. Callers hold the main connection meanwhile (sqlite-dialect.ts), so the two
 * connections never both hold a transaction: no SQLITE_BUSY, and no synchronous busy wait on the main thread.
 * Started on demand (a thread takes tens of milliseconds to start, which callers spend writing on their own
 * thread), ended when idle; idle, it does not keep the process alive.
 */
export class SqliteWriteThread {
  readonly #file: string;
  #thread: Thread | null = null;
  #idle: NodeJS.Timeout | null = null;
  #cannotStart = false;

  constructor(file: string) {
    this.#file = file;
  }

  /**
   * Whether the thread is up with its connection open, so run() may be called; if not, it is started. A thread that
   * could not open the file is not tried again: the writes stay on the caller's thread.
   */
  ready(): boolean {
    if (this.#cannotStart) return false;
    const thread = this.#thread ?? this.#start();
    return thread.ready;
  }

  /** Runs the writes in one transaction (only once ready): true when committed, false when a `mustChange` write changed nothing. */
  run(writes: readonly ThreadWrite[]): Promise<boolean> {
    const thread = this.#thread;
    if (!thread?.ready) return Promise.reject(new Error('the SQLite write thread is not running'));
    this.#stopIdleTimer();
    // Owed an answer, it keeps the process alive (a command-line import waits on nothing else).
    thread.worker.ref();
    return new Promise<boolean>((resolve, reject) => {
      thread.pending.push({ resolve, reject });
      thread.worker.postMessage(writes);
    });
  }

  /** Lets the thread finish what it was given, then close its connection and end. */
  close(): void {
    this.#stopIdleTimer();
    this.#thread?.worker.postMessage('close');
    this.#thread = null;
  }

  #stopIdleTimer(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
  }

  #start(): Thread {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file: this.#file } });
    worker.unref();
    const thread: Thread = { worker, ready: false, pending: [] };
    worker.on('message', (reply: Reply) => {
      if (reply === 'ready') thread.ready = true;
      else if ('error' in reply) thread.pending.shift()?.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else thread.pending.shift()?.resolve(reply.written);
      if (thread.pending.length > 0) return;
      worker.unref();
      if (this.#thread === thread) {
        this.#stopIdleTimer();
        this.#idle = setTimeout(() => this.close(), IDLE_MS);
        this.#idle.unref();
      }
    });
    // A thread that dies (it ran out of memory) fails what it was given; the next use starts another.
    const fail = (error: unknown) => {
      if (!thread.ready) this.#cannotStart = true;
      if (this.#thread === thread) this.#thread = null;
      for (const pending of thread.pending.splice(0)) pending.reject(error);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite write thread exited (code ${code})`)));
    this.#thread = thread;
    return thread;
  }
}
