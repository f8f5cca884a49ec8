import { Worker } from 'node:worker_threads';

/** A user's regular expression: its source and flags, as `new RegExp(source, flags)` takes them. */
export interface UserRegex {
  source: string;
  flags: string;
}

/** One text and the expressions to test against it. */
export interface RegexJob {
  text: string;
  regexes: readonly UserRegex[];
}

export interface RegexResults {
  /** Per job, per expression: whether it matches. One that ran out of time counts as no match. */
  matches: boolean[][];
  /** Expressions that ran out of time in this call, or earlier (those are not run again). */
  slow: UserRegex[];
}

export interface RegexTester {
  test(jobs: readonly RegexJob[]): Promise<RegexResults>;
}

/** One replacement step: SillyTavern's regex script with its macros already expanded. */
export interface ReplaceStep extends UserRegex {
  /** The replacement: `$0` the whole match, `$1`... the groups (a missing group is empty); nothing else is special. */
  template: string;
  /** Removed from every match or group the template inserts. */
  trims: readonly string[];
}

/** One text and the steps it goes through, in order (each works on what the one before made). */
export interface ReplaceJob {
  text: string;
  steps: readonly ReplaceStep[];
}

export interface ReplaceResults {
  /** Per job, its text after every step; a step that ran out of time (or whose pattern is invalid) changes nothing. */
  texts: string[];
  /** Expressions that ran out of time in this call, or earlier (those are not run again). */
  slow: UserRegex[];
}

export interface RegexReplacer {
  replace(jobs: readonly ReplaceJob[]): Promise<ReplaceResults>;
}

export interface TimeLimits {
  /** One expression against one text. */
  perRegexMs: number;
  /** All of one call; what is left when it runs out counts as no match. */
  perCallMs: number;
}

export const DEFAULT_TIME_LIMITS: TimeLimits = { perRegexMs: 50, perCallMs: 1_000 };
/** How often the watchdog looks at the worker's progress. */
const POLL_MS = 5;
/** Expressions remembered as slow (never run again) or as over the limit once, and compiled expressions a worker keeps. */
const MAX_SLOW = 1_000;

// The worker: tests each expression in turn, writing the index it is on before each test and the outcome after
// (1 no match, 2 match) into shared memory (after an 8-byte header), so the watchdog sees which one hangs and what finished before it.
// A replacement ('replace' calls) writes the index of the step it is on the same way and answers with the texts.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const compiled = new Map();
const compile = (r) => {
  const id = r.flags + '/' + r.source;
  let re = compiled.get(id);
  if (re === undefined) {
    if (compiled.size > ${MAX_SLOW * 10}) compiled.clear();
    try { re = new RegExp(r.source, r.flags); } catch { re = null; }
    compiled.set(id, re);
  }
  if (re) re.lastIndex = 0;
  return re;
};
const trimmed = (text, trims) => trims.reduce((t, s) => (s ? t.split(s).join('') : t), text);
const replaceAll = (header, jobs, skip) => {
  let flat = 0;
  return jobs.map((job) => {
    let text = job.text;
    for (const step of job.steps) {
      Atomics.store(header, 0, flat);
      const re = skip.includes(flat++) || !text ? null : compile(step);
      if (!re) continue;
      text = text.replace(re, (...args) => {
        const named = typeof args[args.length - 1] === 'object' ? 1 : 0;
        const groups = args.length - 2 - named;
        return step.template.replace(/\\$(\\d+)/g, (_, n) => {
          const i = Number(n);
          const part = i < groups ? args[i] : undefined;
          return part ? trimmed(part, step.trims) : '';
        });
      });
    }
    return text;
  });
};
parentPort.on('message', ({ kind, shared, jobs, from, skip }) => {
  const header = new Int32Array(shared, 0, 2);
  Atomics.store(header, 1, 1);
  if (kind === 'replace') {
    parentPort.postMessage(replaceAll(header, jobs, skip));
    return;
  }
  const outcomes = new Uint8Array(shared, 8);
  let flat = 0;
  for (const job of jobs) {
    for (const r of job.regexes) {
      if (flat >= from && outcomes[flat] === 0) {
        Atomics.store(header, 0, flat);
        const re = compile(r);
        outcomes[flat] = re && re.test(job.text) ? 2 : 1;
      }
      flat++;
    }
  }
  parentPort.postMessage('done');
});
`;

const idOf = (r: UserRegex) => `${r.flags}/${r.source}`;

/**
 * Runs users' regular expressions (world-info keys, and any other user pattern) with a time limit, so a pattern
 * that backtracks for minutes (`/(a+)+$/` on a long line of a's) never stalls a generation: they run in a worker
 * thread with V8's own engine (so every pattern SillyTavern accepts behaves as there), a watchdog ends the worker
 * when one expression takes longer than `perRegexMs`, and the rest run in a new worker; an expression over the limit
 * twice counts as no match and is never run again by this process. Calls are served one at a time.
 */
export class TimeLimitedRegex implements RegexTester, RegexReplacer {
  readonly #limits: TimeLimits;
  #worker: Worker | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #slow = new Map<string, UserRegex>();
  /** Expressions that ran past the limit once (see #overLimit). */
  readonly #strikes = new Map<string, number>();
  #closed = false;

  constructor(limits: TimeLimits = DEFAULT_TIME_LIMITS) {
    this.#limits = limits;
  }

  test(jobs: readonly RegexJob[]): Promise<RegexResults> {
    const run = this.#queue.then(() => this.#run(jobs));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs regex scripts' replacements, each text through its steps in order. A step that runs past `perRegexMs` is
   * skipped (its pattern is never run again by this process) and the texts are made again without it; past
   * `perCallMs` every text comes back unchanged.
   */
  replace(jobs: readonly ReplaceJob[]): Promise<ReplaceResults> {
    const run = this.#queue.then(() => this.#runReplace(jobs));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }

  async #run(jobs: readonly RegexJob[]): Promise<RegexResults> {
    const total = jobs.reduce((n, j) => n + j.regexes.length, 0);
    const matches = jobs.map((j) => j.regexes.map(() => false));
    const slowNow: UserRegex[] = [];
    if (total === 0) return { matches, slow: slowNow };
    const shared = new SharedArrayBuffer(8 + total);
    const outcomes = new Uint8Array(shared, 8);
    // Known-slow expressions are settled before the worker sees them.
    let flat = 0;
    for (const job of jobs) {
      for (const r of job.regexes) {
        const known = this.#slow.get(idOf(r));
        if (known) {
          outcomes[flat] = 1;
          slowNow.push(known);
        }
        flat++;
      }
    }
    const deadline = Date.now() + this.#limits.perCallMs;
    let from = 0;
    while (from < total && !this.#closed) {
      const outcome = await this.#runOnce(shared, { kind: 'test', jobs }, from, deadline);
      if (outcome.done) break;
      const { stuckAt } = outcome;
      from = stuckAt + 1;
      // Ended just as it finished that expression: nothing was slow, the rest goes on in a new worker.
      if (outcomes[stuckAt] !== 0) continue;
      // The worker was ended on an expression: at its first time over, it gets one more try in a fresh worker (a
      // loaded machine can hold a thread back that long); at its second it is slow, and the loop resumes after it.
      const regex = regexAt(jobs, stuckAt);
      if (regex && !this.#overLimit(regex)) {
        from = stuckAt;
        continue;
      }
      if (regex) slowNow.push(regex);
      outcomes[stuckAt] = 1;
      if (Date.now() >= deadline) {
        // Out of time for the whole call: everything unfinished counts as no match and as slow.
        for (let i = from; i < total; i++) {
          if (outcomes[i] === 0) {
            const r = regexAt(jobs, i);
            if (r) slowNow.push(r);
          }
        }
        break;
      }
    }
    flat = 0;
    jobs.forEach((job, j) => job.regexes.forEach((_, k) => ((matches[j] as boolean[])[k] = outcomes[flat++] === 2)));
    const unique = new Map(slowNow.map((r) => [idOf(r), r]));
    return { matches, slow: [...unique.values()] };
  }

  async #runReplace(jobs: readonly ReplaceJob[]): Promise<ReplaceResults> {
    const steps = jobs.flatMap((j) => j.steps);
    const unchanged = { texts: jobs.map((j) => j.text), slow: [] as UserRegex[] };
    if (steps.length === 0) return unchanged;
    const slowNow = new Map<string, UserRegex>();
    const deadline = Date.now() + this.#limits.perCallMs;
    while (!this.#closed) {
      const skip: number[] = [];
      steps.forEach((s, i) => {
        const known = this.#slow.get(idOf(s));
        if (known) {
          skip.push(i);
          slowNow.set(idOf(known), known);
        }
      });
      const shared = new SharedArrayBuffer(8);
      const outcome = await this.#runOnce(shared, { kind: 'replace', jobs, skip }, 0, deadline);
      if (outcome.done) return { texts: outcome.reply as string[], slow: [...slowNow.values()] };
      const step = steps[outcome.stuckAt];
      if (!step || Date.now() >= deadline) break;
      // Slow at its second time over (see #overLimit); before that the texts are made again with it.
      this.#overLimit({ source: step.source, flags: step.flags });
    }
    // Out of time for the whole call: nothing is changed, and every expression not known to be fast is reported.
    return { texts: unchanged.texts, slow: [...new Map(steps.map((s) => [idOf(s), { source: s.source, flags: s.flags }])).values()] };
  }

  /**
   * Counts an expression's run past the limit; the second makes it slow (never run again by this process). One
   * strike alone could be the machine's load rather than the pattern.
   */
  #overLimit(regex: UserRegex): boolean {
    const id = idOf(regex);
    if (this.#slow.has(id)) return true;
    const strikes = (this.#strikes.get(id) ?? 0) + 1;
    if (strikes < 2) {
      if (this.#strikes.size >= MAX_SLOW) this.#strikes.clear();
      this.#strikes.set(id, strikes);
      return false;
    }
    this.#strikes.delete(id);
    if (this.#slow.size >= MAX_SLOW) this.#slow.clear();
    this.#slow.set(id, regex);
    return true;
  }

  /** Runs from `from` on; the worker's answer when it finished, else the index it was ended on. */
  #runOnce(
    shared: SharedArrayBuffer,
    payload: { kind: 'test'; jobs: readonly RegexJob[] } | { kind: 'replace'; jobs: readonly ReplaceJob[]; skip: number[] },
    from: number,
    deadline: number,
  ): Promise<{ done: true; reply: unknown } | { done: false; stuckAt: number }> {
    const worker = this.#ensureWorker();
    // [0]: the index being tested; [1]: set once the worker has the call (a new worker takes a while to start,
    // which must not count against the first expression).
    const header = new Int32Array(shared, 0, 2);
    Atomics.store(header, 0, from);
    Atomics.store(header, 1, 0);
    return new Promise((resolve) => {
      let last = from;
      let since = Date.now();
      const end = (result: { done: true; reply: unknown } | { done: false; stuckAt: number }) => {
        clearInterval(watchdog);
        worker.off('message', onMessage);
        worker.off('error', onError);
        resolve(result);
      };
      const onMessage = (reply: unknown) => end({ done: true, reply });
      const kill = () => {
        const at = Atomics.load(header, 0);
        this.#worker = null;
        void worker.terminate();
        end({ done: false, stuckAt: at });
      };
      // A worker that dies (out of memory on a huge pattern) counts the expression it was on as slow.
      const onError = () => kill();
      const watchdog = setInterval(() => {
        const now = Date.now();
        const at = Atomics.load(header, 0);
        if (Atomics.load(header, 1) === 0) {
          since = now;
          if (now >= deadline) kill();
        } else if (at !== last) {
          last = at;
          since = now;
        } else if (now - since > this.#limits.perRegexMs || now >= deadline) {
          kill();
        }
      }, POLL_MS);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage({ ...payload, shared, from });
    });
  }

  #ensureWorker(): Worker {
    if (!this.#worker) {
      this.#worker = new Worker(WORKER_SOURCE, { eval: true });
      // An idle worker must not keep the process alive.
      this.#worker.unref();
    }
    return this.#worker;
  }
}

function regexAt(jobs: readonly RegexJob[], index: number): UserRegex | undefined {
  let i = index;
  for (const job of jobs) {
    if (i < job.regexes.length) return job.regexes[i];
    i -= job.regexes.length;
  }
  return undefined;
}
