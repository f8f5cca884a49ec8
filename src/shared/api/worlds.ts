import { z } from 'zod';
import { applyMergePatch } from '../json-merge-patch.js';
import { ClientId, SafeText } from './ids.js';

const JsonObject = z.record(z.string(), z.unknown());

/** A book's name: what SillyTavern calls it (its file name) and what cards, chats and settings link it by. */
export const WorldName = SafeText(200)
  .transform((s) => s.trim())
  .refine((s) => s.length > 0, 'must not be empty')
  .refine((s) => !/[\u0000-\u001f]/.test(s), 'must not contain control characters');

/** The key of an entry in the book's `entries` object (SillyTavern numbers them: "0", "1", ...). */
export const EntryUid = z.string().min(1).max(64).regex(/^[^\u0000-\u001f]+$/, 'must not contain control characters');

const KnownEntryFields = z.object({
  key: z.array(SafeText(10_000)).max(1_000).optional(),
  keysecondary: z.array(SafeText(10_000)).max(1_000).optional(),
  comment: SafeText(10_000).optional(),
  content: SafeText(1_000_000).optional(),
  constant: z.boolean().optional(),
  disable: z.boolean().optional(),
  order: z.number().optional(),
  position: z.number().int().min(0).max(7).optional(),
  depth: z.number().int().min(0).max(10_000).nullable().optional(),
  probability: z.number().min(0).max(100).nullable().optional(),
  group: SafeText(10_000).optional(),
  outletName: SafeText(10_000).optional(),
});

/**
 * One entry as SillyTavern writes it (`key`, `keysecondary`, `content`, `order`, `position`, ...). Every key is
 * kept, known or not, in the order it came (the object itself is the value); the known ones must have the types
 * SillyTavern gives them, so the editor and the engine agree on what a book says.
 */
export const WorldEntryData = JsonObject.superRefine((entry, ctx) => {
  const known = KnownEntryFields.safeParse(entry);
  if (!known.success) for (const issue of known.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
});
export type WorldEntryData = z.infer<typeof WorldEntryData>;

export const WorldSummary = z.object({
  id: z.string(),
  name: z.string(),
  entryCount: z.number().int(),
  revision: z.number().int(),
  updatedAt: z.string(),
});
export type WorldSummary = z.infer<typeof WorldSummary>;

export const WorldEntryView = z.object({
  uid: z.string(),
  /** Tokens of the content (the estimate tokenizer, cl100k_base). */
  tokens: z.number().int(),
  entry: JsonObject,
});
export type WorldEntryView = z.infer<typeof WorldEntryView>;

/** GET /api/worlds/:id: the book and every entry, in the file's order. */
export const World = WorldSummary.extend({ entries: z.array(WorldEntryView) });
export type World = z.infer<typeof World>;

/** Created under a client-made id: a retried create is a no-op. */
export const CreateWorldRequest = z.object({ id: ClientId, name: WorldName });
export type CreateWorldRequest = z.infer<typeof CreateWorldRequest>;

export const WorldImportQuery = z.object({
  /** The book's name; the file's name (without .json) when absent. */
  name: WorldName.optional(),
});

export const WorldOp = z.discriminatedUnion('type', [
  /** Renames the book; cards, chats and settings that name it follow. */
  z.object({ opId: ClientId, type: z.literal('rename'), name: WorldName }),
  /** Creates or replaces one entry. */
  z.object({ opId: ClientId, type: z.literal('putEntry'), uid: EntryUid, entry: WorldEntryData }),
  /** A JSON merge patch applied to each entry named (bulk enable/disable: `{"disable": true}`). */
  z.object({ opId: ClientId, type: z.literal('patchEntries'), uids: z.array(EntryUid).min(1).max(100_000), patch: JsonObject }),
  z.object({ opId: ClientId, type: z.literal('deleteEntries'), uids: z.array(EntryUid).min(1).max(100_000) }),
  /** Moves entries to another book of the user; an entry whose uid is taken there gets the next free number. */
  z.object({ opId: ClientId, type: z.literal('moveEntries'), uids: z.array(EntryUid).min(1).max(100_000), toWorldId: z.string().min(1).max(64) }),
]);
export type WorldOp = z.infer<typeof WorldOp>;

export const WorldOpsRequest = z.object({ ops: z.array(WorldOp).min(1).max(500) });
export type WorldOpsRequest = z.infer<typeof WorldOpsRequest>;

export const WorldOpsResponse = z.object({
  revision: z.number().int(),
  results: z.array(z.object({ opId: z.string(), status: z.enum(['applied', 'duplicate']) })),
});
export type WorldOpsResponse = z.infer<typeof WorldOpsResponse>;

/** POST /api/worlds/from-card: the card's embedded book becomes a book of its own, linked to the card. */
export const WorldFromCardRequest = z.object({ characterId: z.string().min(1).max(64) });

/** Chat metadata key naming the chat's book (SillyTavern's). */
export const CHAT_WORLD_KEY = 'world_info';

/** The next free SillyTavern uid: the smallest non-negative integer not yet a key. */
export function nextFreeUid(taken: ReadonlySet<string>): string {
  for (let uid = 0; uid < 10_000_000; uid++) if (!taken.has(String(uid))) return String(uid);
  throw new Error('no free entry uid');
}

/** A new entry as SillyTavern's editor makes one (its defaults). */
export function newWorldEntry(uid: string): Record<string, unknown> {
  return {
    uid: Number.isSafeInteger(Number(uid)) ? Number(uid) : uid,
    key: [],
    keysecondary: [],
    comment: '',
    content: '',
    constant: false,
    vectorized: false,
    selective: true,
    selectiveLogic: 0,
    addMemo: false,
    order: 100,
    position: 0,
    disable: false,
    excludeRecursion: false,
    preventRecursion: false,
    delayUntilRecursion: false,
    probability: 100,
    useProbability: true,
    depth: 4,
    group: '',
    groupOverride: false,
    groupWeight: 100,
    scanDepth: null,
    caseSensitive: null,
    matchWholeWords: null,
    useGroupScoring: null,
    automationId: '',
    role: 0,
    sticky: 0,
    cooldown: 0,
    delay: 0,
  };
}

/**
 * How an op changes a book as the editor shows it: the client lays its waiting ops over the server's book with
 * this, and the server's own edits follow the same rules (merge patch, a uid's place kept on replace, new
 * entries last). A move only removes here: where the entries land is the other book's to show.
 */
export function applyWorldOp(world: World, op: WorldOp): World {
  switch (op.type) {
    case 'rename':
      return { ...world, name: op.name };
    case 'putEntry': {
      const at = world.entries.findIndex((e) => e.uid === op.uid);
      const view = { uid: op.uid, tokens: at >= 0 ? (world.entries[at]?.tokens ?? 0) : 0, entry: op.entry };
      const entries = at >= 0 ? world.entries.map((e, i) => (i === at ? view : e)) : [...world.entries, view];
      return { ...world, entries, entryCount: entries.length };
    }
    case 'patchEntries': {
      const uids = new Set(op.uids);
      return { ...world, entries: world.entries.map((e) => (uids.has(e.uid) ? { ...e, entry: applyMergePatch(e.entry, op.patch) } : e)) };
    }
    case 'deleteEntries':
    case 'moveEntries': {
      const uids = new Set(op.uids);
      const entries = world.entries.filter((e) => !uids.has(e.uid));
      return { ...world, entries, entryCount: entries.length };
    }
  }
}
