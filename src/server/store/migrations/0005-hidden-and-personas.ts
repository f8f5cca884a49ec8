import { sql, type Kysely } from 'kysely';

/** Rows read per round while backfilling: a large library never sits in memory whole. */
const PAGE = 500;

interface Tables {
  characters: { id: string; card_json: string; favourite: number };
  messages: { chat_id: string; seq: number; role: string; imported_json: string | null; hidden: number };
}

/**
 * Messages hidden from the prompt (SillyTavern's `is_system`), the persona chosen for a chat, the persona locked to
 * a character, and a character's favourite mark (its card's `data.extensions.fav`, a column for the list as name
 * and tags are). Rows from before are brought in line: favourites are read from their cards, and messages imported
 * with `is_system` (kept as role `system`, or verbatim among a user line's other keys) become hidden, role `system`
 * becoming what SillyTavern shows them as, the character's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('chats').addColumn('persona_id', 'text').execute();
  await db.schema.alterTable('characters').addColumn('persona_id', 'text').execute();
  await db.schema.alterTable('characters').addColumn('favourite', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  const tables = db as unknown as Kysely<Tables>;
  await markFavourites(tables);
  await markHiddenMessages(tables);
}

async function markFavourites(db: Kysely<Tables>): Promise<void> {
  let after = '';
  for (;;) {
    const rows = await db
      .selectFrom('characters')
      .select(['id', 'card_json'])
      .where('id', '>', after)
      .where('card_json', 'like', '%"fav":%')
      .orderBy('id')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      // The rule as it stood when this migration shipped (SillyTavern: true, or the string "true").
      const fav = (JSON.parse(row.card_json) as { data?: { extensions?: { fav?: unknown } } }).data?.extensions?.fav;
      if (fav === true || fav === 'true') await db.updateTable('characters').set({ favourite: 1 }).where('id', '=', row.id).execute();
    }
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.id;
  }
}

async function markHiddenMessages(db: Kysely<Tables>): Promise<void> {
  let after: { chat_id: string; seq: number } | null = null;
  for (;;) {
    let query = db
      .selectFrom('messages')
      .select(['chat_id', 'seq', 'role', 'imported_json'])
      .where('imported_json', 'is not', null)
      // JSON.stringify writes `"is_system":` only where it is a key with a value: the kept raw flag.
      .where((eb) => eb.or([eb('role', '=', 'system'), eb('imported_json', 'like', '%"is_system":%')]));
    if (after) {
      const { chat_id, seq } = after;
      query = query.where((eb) => eb.or([eb('chat_id', '>', chat_id), eb.and([eb('chat_id', '=', chat_id), eb('seq', '>', seq)])]));
    }
    const rows = await query.orderBy('chat_id').orderBy('seq').limit(PAGE).execute();
    for (const row of rows) {
      const fields = (JSON.parse(row.imported_json!) as { fields?: Record<string, unknown> }).fields ?? {};
      if (row.role !== 'system' && !fields.is_system) continue;
      await db
        .updateTable('messages')
        .set({ hidden: 1, ...(row.role === 'system' && { role: 'assistant' }) })
        .where('chat_id', '=', row.chat_id)
        .where('seq', '=', row.seq)
        .execute();
    }
    if (rows.length < PAGE) return;
    after = rows.at(-1)!;
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE messages SET role = 'system' WHERE hidden = 1 AND role = 'assistant' AND imported_json IS NOT NULL`.execute(db);
  await db.schema.alterTable('characters').dropColumn('favourite').execute();
  await db.schema.alterTable('characters').dropColumn('persona_id').execute();
  await db.schema.alterTable('chats').dropColumn('persona_id').execute();
  await db.schema.alterTable('messages').dropColumn('hidden').execute();
}
