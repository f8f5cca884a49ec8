import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { GroupCommit } from '../../../src/server/store/group-commit.js';
import { runCompiled } from '../../../src/server/store/run-compiled.js';

interface DB {
  notes: { id: string; text: string };
}

const dir = mkdtempSync(join(tmpdir(), 'parley-group-commit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A WAL database with synchronous=FULL as the store opens it, whose Kysely logs every statement it runs. */
async function open(name: string) {
  const file = join(dir, name);
  const database = new Sqlite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  const statements: string[] = [];
  const db = new Kysely<DB>({
    dialect: new SqliteDialect({ database }),
    log: (event) => void statements.push(event.query.sql.toLowerCase()),
  });
  await sql`CREATE TABLE notes (id TEXT PRIMARY KEY, text TEXT NOT NULL)`.execute(db);
  statements.length = 0;
  /** What another connection (or the next life of the process) reads from the file: only what was committed. */
  const committed = () => new Sqlite(file, { readonly: true }).prepare('SELECT id FROM notes ORDER BY id').pluck().all();
  return { db, statements, committed };
}

const insert = (trx: Kysely<DB>, id: string) => trx.insertInto('notes').values({ id, text: id }).execute();

test('transactions asked for in one turn share one commit, and each is answered only after it', async () => {
  const { db, statements, committed } = await open('shared.sqlite');
  const group = new GroupCommit(db);
  const seenAtAnswer: unknown[][] = [];
  const answers = ['a', 'b', 'c'].map((id) =>
    group
      .run(async (trx) => {
        await insert(trx, id);
        return id;
      })
      .then((value) => {
        seenAtAnswer.push(committed());
        return value;
      }),
  );
  assert.deepEqual(await Promise.all(answers), ['a', 'b', 'c']);
  assert.equal(statements.filter((s) => s === 'commit').length, 1);
  assert.equal(statements.filter((s) => s === 'begin').length, 1);
  // Every caller, the first included, is answered after all three are on disk.
  for (const seen of seenAtAnswer) assert.deepEqual(seen, ['a', 'b', 'c']);
  await db.destroy();
});

test('a transaction that fails in a group rolls back only its own writes and gets its own error', async () => {
  const { db, committed } = await open('failing.sqlite');
  const group = new GroupCommit(db);
  const failure = new Error('this one fails after writing');
  const results = await Promise.allSettled([
    group.run((trx) => insert(trx, 'kept-1')),
    group.run(async (trx) => {
      await insert(trx, 'lost-1');
      await insert(trx, 'lost-2');
      throw failure;
    }),
    // A constraint error from the database itself: the same row as the first.
    group.run((trx) => insert(trx, 'kept-1')),
    group.run((trx) => insert(trx, 'kept-2')),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
  );
  assert.equal((results[1] as PromiseRejectedResult).reason, failure);
  assert.match(String((results[2] as PromiseRejectedResult).reason), /UNIQUE constraint/);
  assert.deepEqual(committed(), ['kept-1', 'kept-2']);
  await db.destroy();
});

test('a later turn starts the next group; a lone transaction still commits on its own', async () => {
  const { db, statements, committed } = await open('turns.sqlite');
  const group = new GroupCommit(db);
  await group.run((trx) => insert(trx, 'first'));
  await Promise.all([group.run((trx) => insert(trx, 'second')), group.run((trx) => insert(trx, 'third'))]);
  assert.equal(statements.filter((s) => s === 'commit').length, 2);
  assert.equal(statements.some((s) => s.startsWith('savepoint')), true);
  await assert.rejects(group.run(() => Promise.reject(new Error('alone'))), /alone/);
  assert.deepEqual(committed(), ['first', 'second', 'third']);
  await db.destroy();
});

test("compiled statements in a group go straight to the connection, fail as the builder's do, and not past the transaction", async () => {
  const { db, committed } = await open('direct.sqlite');
  const group = new GroupCommit(db);
  const insertCompiled = (trx: Kysely<DB>, id: string) => runCompiled(trx, trx.insertInto('notes').values({ id, text: id }).compile());
  let leaked: Kysely<DB> | undefined;
  const results = await Promise.allSettled([
    group.run((trx) => insertCompiled(trx, 'kept')),
    // better-sqlite3 throws as it runs: still this member's own rejection, its savepoint rolled back.
    group.run(async (trx) => {
      await insertCompiled(trx, 'lost');
      await insertCompiled(trx, 'kept');
    }),
    group.run(async (trx) => {
      leaked = trx;
      await insertCompiled(trx, 'also-kept');
    }),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE constraint/);
  assert.deepEqual(committed(), ['also-kept', 'kept']);
  // Once its group has committed, a transaction's statement is refused as Kysely refuses it, not run outside it.
  await assert.rejects(async () => insertCompiled(leaked!, 'late'), /already committed/);
  assert.deepEqual(committed(), ['also-kept', 'kept']);
  await db.destroy();
});
