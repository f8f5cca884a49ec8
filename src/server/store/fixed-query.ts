import type { CompiledQuery, Compilable, Kysely } from 'kysely';
import { runCompiled } from './run-compiled.js';

const SLOT = '\u0000fixed-query:';

/** Each fixed statement's SQL, with the name it is prepared under on PostgreSQL (postgres-prepared-pool.ts). */
const preparedNames = new Map<string, string>();

/** The name a statement is prepared under, when it is one of the fixed queries'; undefined for any other SQL. */
export function preparedNameOf(sql: string): string | undefined {
  return preparedNames.get(sql);
}

/** `*` as a result column (not `count(*)`): a prepared statement's result columns must not move when a column is
 *  added to the table (PostgreSQL then refuses it: "cached plan must not change result type"). */
const STAR_RESULT = /(?:select|returning|,)\s+(?:"\w+"\.)?\*/i;

interface Plan {
  compiled: CompiledQuery;
  /** For each bound parameter: the name of the value that fills it, or null for a constant of the query. */
  slots: Array<string | null>;
}

/**
 * A query whose SQL never changes, only its values: Kysely builds and compiles it once per database kind (the
 * first time it runs there), and each run after that only lays its values into the compiled statement. For the
 * save path's statements, which every append runs: building and compiling them took about a fifth of the server's
 * CPU under many appends (bench/README.md, chat-ops-concurrent). `build` gets stand-ins for the values, each of
 * which must end up a bound parameter (not a value the builder branches on). On PostgreSQL the statement is also
 * prepared once per connection (postgres-prepared-pool.ts), so it names its result columns rather than reading `*`: a
 * column another node's migration adds must not change what a prepared statement returns.
 */
export function fixedQuery<DB, V extends object, R>(
  build: (db: Kysely<DB>, values: V) => Compilable<R>,
): (db: Kysely<DB>, values: V) => Promise<R[]> {
  // Keyed by the dialect's adapter: one object per database, shared by its transactions.
  const plans = new WeakMap<object, Plan>();
  const planFor = (db: Kysely<DB>): Plan => {
    const adapter = db.getExecutor().adapter;
    let plan = plans.get(adapter);
    if (plan) return plan;
    const named = new Set<string>();
    const standIns = new Proxy({} as V, {
      get: (_, name) => {
        named.add(String(name));
        return SLOT + String(name);
      },
    });
    const compiled = build(db, standIns).compile();
    const slots = compiled.parameters.map((value) => (typeof value === 'string' && value.startsWith(SLOT) ? value.slice(SLOT.length) : null));
    const bound = new Set(slots);
    for (const name of named) if (!bound.has(name)) throw new Error(`fixedQuery: value "${name}" is not a bound parameter of: ${compiled.sql}`);
    if (STAR_RESULT.test(compiled.sql)) throw new Error(`fixedQuery: name the result columns instead of *: ${compiled.sql}`);
    if (!preparedNames.has(compiled.sql)) preparedNames.set(compiled.sql, `parley_fixed_${preparedNames.size + 1}`);
    plan = { compiled, slots };
    plans.set(adapter, plan);
    return plan;
  };
  return async (db, values) => {
    const { compiled, slots } = planFor(db);
    const parameters = slots.map((name, i) => (name === null ? compiled.parameters[i] : (values as Record<string, unknown>)[name]));
    return (await runCompiled(db, { ...compiled, parameters } as CompiledQuery<R>)).rows;
  };
}
