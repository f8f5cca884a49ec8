import { MESSAGE_KEY_SET, MESSAGE_KEYS, type ChatFileHeader, type ChatFileMessage, type MessageKey } from './chat-file.js';
import { formatSillyTavernCreateDate } from './sillytavern-date.js';

type Entries = [string, unknown][];

const SWIPE_KEYS: ReadonlySet<string> = new Set(['swipe_id', 'swipes', 'swipe_info']);

const isEmptyObject = (value: Record<string, unknown>) => Object.keys(value).length === 0;

/** Key/value pairs become an object through fromEntries, so a key such as "__proto__" stays a plain key. */
function toObject(entries: Entries): Record<string, unknown> {
  return Object.fromEntries(entries);
}

function headerObject(header: ChatFileHeader): Record<string, unknown> {
  if (!header.imported) {
    return {
      user_name: header.userName ?? 'unused',
      character_name: header.characterName ?? 'unused',
      ...(header.createdAt !== undefined && { create_date: formatSillyTavernCreateDate(header.createdAt) }),
      chat_metadata: header.metadata,
    };
  }
  const { keys, fields } = header.imported;
  // A chat_metadata that was not an object stays as it was until Parley puts something in it.
  const rawMetadata = Object.hasOwn(fields, 'chat_metadata') && isEmptyObject(header.metadata);
  const entries: Entries = [];
  const emitted = new Set<string>();
  const emit = (key: string, value: unknown) => {
    entries.push([key, value]);
    emitted.add(key);
  };
  for (const key of keys) {
    if (key === 'chat_metadata') emit(key, rawMetadata ? fields[key] : header.metadata);
    else if (Object.hasOwn(fields, key)) emit(key, fields[key]);
  }
  if (!emitted.has('chat_metadata') && !isEmptyObject(header.metadata)) emit('chat_metadata', header.metadata);
  for (const [key, value] of Object.entries(fields)) if (!emitted.has(key)) emit(key, value);
  return toObject(entries);
}

/** SillyTavern shows `mes` and swaps in swipes[swipe_id] when swiping, so the two must agree. */
function consistentSwipes(message: ChatFileMessage): { swipes: string[]; swipeIndex: number } {
  const { swipes, content } = message;
  if (swipes.length === 0) return { swipes, swipeIndex: 0 };
  const swipeIndex = Math.min(Math.max(0, message.swipeIndex), swipes.length - 1);
  return { swipes: swipes[swipeIndex] === content ? swipes : swipes.with(swipeIndex, content), swipeIndex };
}

/** One swipe_info entry per swipe: the imported ones, then a plain entry for each swipe added since. */
function swipeInfoFor(imported: unknown[], count: number, sendDate: unknown): unknown[] {
  if (imported.length >= count) return imported;
  const added = Array.from({ length: count - imported.length }, () => ({ send_date: sendDate, extra: {} }));
  return [...imported, ...added];
}

/** Parley keeps a reply's `gen_started` / `gen_finished` in its extra; SillyTavern writes them beside `extra`. */
function withGenerationTimesBeside(line: Record<string, unknown>): Record<string, unknown> {
  const extra = line.extra;
  if (typeof extra !== 'object' || extra === null || !('gen_started' in extra || 'gen_finished' in extra)) return line;
  const { gen_started: started, gen_finished: finished, ...rest } = extra as Record<string, unknown>;
  const entries: Entries = Object.entries(line).map(([key, value]) => [key, key === 'extra' ? rest : value]);
  if (started !== undefined) entries.push(['gen_started', started]);
  if (finished !== undefined) entries.push(['gen_finished', finished]);
  return toObject(entries);
}

function messageObject(message: ChatFileMessage): Record<string, unknown> {
  const imported = message.imported;
  const fields = imported?.fields ?? {};
  const { swipes, swipeIndex } = consistentSwipes(message);
  const hasSwipes = swipes.length > 0;
  const extraIsEmpty = isEmptyObject(message.extra);
  const sendDate = imported?.sendDate ?? message.createdAt;

  const derived = (key: MessageKey): unknown => {
    switch (key) {
      case 'name':
        return message.name;
      case 'is_user':
        return message.role === 'user';
      case 'is_system':
        return message.hidden;
      case 'send_date':
        return sendDate;
      case 'mes':
        return message.content;
      case 'extra':
        return message.extra;
      case 'swipe_id':
        return swipeIndex;
      case 'swipes':
        return swipes;
      case 'swipe_info':
        return swipeInfoFor(imported?.swipeInfo ?? [], swipes.length, sendDate);
    }
  };
  // A verbatim value of a modelled key (kept because its type was odd) stands while Parley's value is still
  // the empty default; once Parley has put something there, Parley's value is written.
  const rawStands = (key: MessageKey): boolean =>
    key === 'extra'
      ? extraIsEmpty
      : SWIPE_KEYS.has(key)
        ? !hasSwipes
        : // An odd is_system ("true", 1) stands while it means what the message is now: hidden or not.
          key === 'is_system'
          ? Boolean(fields.is_system) === message.hidden
          : key !== 'mes';

  const entries: Entries = [];
  const emitted = new Set<string>();
  const emit = (key: string) => {
    const modelled = MESSAGE_KEY_SET.has(key) ? (key as MessageKey) : null;
    if (Object.hasOwn(fields, key) && (modelled === null || rawStands(modelled))) entries.push([key, fields[key]]);
    else if (modelled !== null) entries.push([key, derived(modelled)]);
    else return;
    emitted.add(key);
  };

  if (!imported) {
    for (const key of MESSAGE_KEYS) if (hasSwipes || !SWIPE_KEYS.has(key)) emit(key);
    return withGenerationTimesBeside(toObject(entries));
  }
  for (const key of imported.keys) emit(key);
  // Keys the original line lacked are added only when they now carry something: swipes made in Parley,
  // an extra filled in Parley, a message hidden in Parley. A line that had swipes keeps its own shape.
  const hadSwipes = emitted.has('swipes');
  if (!extraIsEmpty && !emitted.has('extra')) emit('extra');
  if (message.hidden && !emitted.has('is_system')) emit('is_system');
  if (hasSwipes && !hadSwipes) for (const key of SWIPE_KEYS) if (!emitted.has(key)) emit(key);
  for (const key of Object.keys(fields)) if (!emitted.has(key)) emit(key);
  return toObject(entries);
}

/** Lines are handed out in pieces of about this size: few enough yields to be fast, small enough to stream. */
const PIECE_CHARS = 64 * 1024;

/**
 * A chat as a SillyTavern JSONL file, streamed: the header line, then one line per message, in pieces of
 * about 64 KB to be written one after the other as they come ("\n" between lines, none at the end, as SillyTavern writes).
 * Imported chats come back as they were imported; chats made in Parley get SillyTavern's usual keys.
 */
export async function* writeSillyTavernChat(
  header: ChatFileHeader,
  messages: AsyncIterable<ChatFileMessage> | Iterable<ChatFileMessage>,
): AsyncGenerator<string, void, undefined> {
  let piece = JSON.stringify(headerObject(header));
  for await (const message of messages) {
    piece += `\n${JSON.stringify(messageObject(message))}`;
    if (piece.length >= PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  if (piece !== '') yield piece;
}
