import { MESSAGE_MAX_CHARS, type ImportedKeys, type ImportedMessageKeys, type Role } from '../../shared/api/chats.js';
import { MESSAGE_KEY_SET, type ChatFileHeader, type ChatFileMessage } from './chat-file.js';
import { ChatFormatError } from './chat-format-error.js';
import { isJsonObject } from './is-json-object.js';
import { MAX_JSON_DEPTH, jsonNestsDeeperThan, mayHoldLoneSurrogate, withWellFormedText } from './json-text.js';
import { parseSillyTavernDate } from './sillytavern-date.js';
import { splitLines, type ChunkSource, type StreamLine } from './split-lines.js';

export const CHAT_LIMITS = {
  /** One line is one message with all its swipes; 32 MiB is far past any real one and bounds memory. */
  maxLineBytes: 32 * 1024 * 1024,
  /** Skipped lines past this many are counted, not listed, so a garbage file cannot blow up the response. */
  maxReportedSkips: 1000,
  defaultBatchSize: 500,
} as const;

export interface SkippedLine {
  /** 1-based line number in the file. */
  line: number;
  reason: string;
}

export interface ParsedChatHeader extends ChatFileHeader {
  imported: ImportedKeys;
}

export interface ParseChatOptions {
  /** Messages per yielded batch (one database transaction each for the caller). */
  batchSize?: number;
  /** createdAt for messages whose send_date is missing or unreadable when no earlier date is known. */
  fallbackDate?: string;
  /**
   * Group chats: SillyTavern wrote them without a header line before 2025, so a first line that is a message is
   * read as one, and the chat gets the header newer versions write (user_name and character_name "unused").
   */
  headerOptional?: boolean;
}

/** The header SillyTavern writes for group chats, given to a group chat whose file had none. */
const GROUP_HEADER: ImportedKeys = { keys: ['chat_metadata', 'user_name', 'character_name'], fields: { user_name: 'unused', character_name: 'unused' } };

export interface SillyTavernChatReader {
  header: ParsedChatHeader;
  /** The messages in file order, in batches. Iterate once; `skippedLines` is complete when it ends. */
  batches: AsyncGenerator<ChatFileMessage[], void, undefined>;
  /** Lines that were not imported, with why (the first CHAT_LIMITS.maxReportedSkips of them). */
  skippedLines: SkippedLine[];
  /** Lines imported with a change, with what changed (a lone surrogate kept as U+FFFD); capped like skippedLines. */
  changedLines: SkippedLine[];
  /** All skipped lines, including those past the reporting cap. */
  readonly skippedCount: number;
  readonly messageCount: number;
}

function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || hasNul(item));
}

const LONE_SURROGATE_NOTE = 'a lone UTF-16 surrogate (half of a character) was kept as U+FFFD';

/**
 * JSON.parse, refusing what would not be stored as written: nesting past MAX_JSON_DEPTH (read from the text, before
 * parsing) and NUL. A lone surrogate is kept as U+FFFD and the line reported as changed, never altered silently.
 */
function parseLine(text: string): { value: unknown; changed?: string } | { error: string } {
  if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) return { error: `nests deeper than ${MAX_JSON_DEPTH} levels` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON (the line may be cut off)' };
  }
  // JSON can spell NUL only as \u0000.
  if (text.includes('\\u0000') && hasNul(value)) return { error: 'contains a NUL character' };
  if (mayHoldLoneSurrogate(text)) {
    const whole = withWellFormedText(value);
    if (JSON.stringify(whole) !== JSON.stringify(value)) return { value: whole, changed: LONE_SURROGATE_NOTE };
  }
  return { value };
}

function parseHeader(line: StreamLine, changed: (line: number, note: string) => void): ParsedChatHeader {
  if (line.text === null) throw new ChatFormatError('invalid_header', 'Line 1 (the chat header) is too long.');
  const parsed = parseLine(line.text);
  if ('error' in parsed) throw new ChatFormatError('invalid_header', `Line 1 (the chat header): ${parsed.error}.`);
  if (parsed.changed) changed(line.number, parsed.changed);
  const header = parsed.value;
  if (!isJsonObject(header)) throw new ChatFormatError('invalid_header', 'Line 1 (the chat header) is not an object.');
  if (!['user_name', 'character_name', 'create_date', 'chat_metadata'].some((key) => key in header)) {
    throw new ChatFormatError('not_a_chat', 'Line 1 is not a SillyTavern chat header (no user_name or chat_metadata).');
  }
  const metadataIsObject = isJsonObject(header.chat_metadata);
  const fields = Object.fromEntries(
    Object.entries(header).filter(([key]) => key !== 'chat_metadata' || !metadataIsObject),
  );
  const createdAt = parseSillyTavernDate(header.create_date);
  return {
    metadata: metadataIsObject ? (header.chat_metadata as Record<string, unknown>) : {},
    imported: { keys: Object.keys(header), fields },
    ...(typeof header.user_name === 'string' && { userName: header.user_name }),
    ...(typeof header.character_name === 'string' && { characterName: header.character_name }),
    ...(createdAt !== null && { createdAt }),
  };
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * Makes mes == swipes[swipe_id] hold, as Parley's model requires. SillyTavern shows `mes`, so it wins when the
 * two disagree; a missing or out-of-range swipe_id points at the swipe equal to mes, or at mes appended.
 */
function alignSwipes(mes: string, swipes: string[], swipeId: unknown): { swipes: string[]; swipeIndex: number } {
  if (swipes.length === 0) return { swipes, swipeIndex: 0 };
  if (Number.isInteger(swipeId) && (swipeId as number) >= 0 && (swipeId as number) < swipes.length) {
    const index = swipeId as number;
    if (swipes[index] === mes) return { swipes, swipeIndex: index };
    return { swipes: swipes.with(index, mes), swipeIndex: index };
  }
  const found = swipes.indexOf(mes);
  return found >= 0 ? { swipes, swipeIndex: found } : { swipes: [...swipes, mes], swipeIndex: swipes.length };
}

/** A message line as a ChatFileMessage, or why it cannot be one. */
function toMessage(line: Record<string, unknown>, fallbackDate: string): ChatFileMessage | string {
  const mes = line.mes;
  if (typeof mes !== 'string') return 'no "mes" text';
  const rawSwipes = line.swipes;
  const swipesOk = isStringList(rawSwipes);
  const tooLong = mes.length > MESSAGE_MAX_CHARS || (swipesOk && rawSwipes.some((text) => text.length > MESSAGE_MAX_CHARS));
  if (tooLong) return `a text is longer than ${MESSAGE_MAX_CHARS.toLocaleString('en')} characters`;

  // SillyTavern's is_system marks a message hidden from the prompt (its /hide, its own notices); it is shown
  // as the user's or the character's, and the prompt leaves out any truthy value.
  const role: Role = line.is_user ? 'user' : 'assistant';
  const hidden = Boolean(line.is_system);
  // Unknown keys, and modelled ones whose value is not of the modelled type, are written back verbatim.
  const keys = Object.keys(line);
  const fieldKeys = keys.filter((key) => !MESSAGE_KEY_SET.has(key));
  const sendDateOk = typeof line.send_date === 'string' || typeof line.send_date === 'number';
  if (typeof line.name !== 'string') fieldKeys.push('name');
  if (line.is_user !== (role === 'user')) fieldKeys.push('is_user');
  if (line.is_system !== hidden) fieldKeys.push('is_system');
  if (!sendDateOk) fieldKeys.push('send_date');
  if (!isJsonObject(line.extra)) fieldKeys.push('extra');
  if (!swipesOk) fieldKeys.push('swipes');
  if (!Array.isArray(line.swipe_info)) fieldKeys.push('swipe_info');

  // fromEntries, not assignment, so a key such as "__proto__" is kept as a plain key.
  const fields = Object.fromEntries(fieldKeys.filter((key) => Object.hasOwn(line, key)).map((key) => [key, line[key]]));
  const imported: ImportedMessageKeys = { keys, fields };
  if (sendDateOk) imported.sendDate = line.send_date as string | number;
  if (Array.isArray(line.swipe_info)) imported.swipeInfo = line.swipe_info;
  const { swipes, swipeIndex } = alignSwipes(mes, swipesOk ? rawSwipes : [], line.swipe_id);
  return {
    role,
    name: typeof line.name === 'string' ? line.name : '',
    content: mes,
    swipes,
    swipeIndex,
    createdAt: parseSillyTavernDate(line.send_date) ?? fallbackDate,
    extra: isJsonObject(line.extra) ? line.extra : {},
    hidden,
    imported,
  };
}

/** A line that is a message, not a header: an object with `mes` and none of the header's keys. */
function isMessageLine(text: string): boolean {
  const parsed = parseLine(text);
  if ('error' in parsed || !isJsonObject(parsed.value)) return false;
  const value = parsed.value;
  return 'mes' in value && !['user_name', 'character_name', 'create_date', 'chat_metadata'].some((key) => key in value);
}

/**
 * Reads a SillyTavern JSONL chat as a stream: `input` is the file's bytes or text in chunks of any size (a
 * Readable, or any iterable of chunks; chunks are not lines). Resolves once the header is read; messages then
 * come in batches, and lines that do not parse are skipped and reported while the rest is imported.
 * Throws ChatFormatError when the file has no usable header.
 */
export async function parseSillyTavernChat(
  input: ChunkSource,
  options: ParseChatOptions = {},
): Promise<SillyTavernChatReader> {
  const batchSize = Math.max(1, options.batchSize ?? CHAT_LIMITS.defaultBatchSize);
  const lines = splitLines(input, CHAT_LIMITS.maxLineBytes);

  let first = await lines.next();
  // Blank lines carry nothing; a file of only blank lines is empty.
  while (!first.done && first.value.text?.replace(/^\uFEFF/, '').trim() === '') first = await lines.next();
  if (first.done) throw new ChatFormatError('empty_file', 'The chat file is empty.');
  const headerLine = first.value;
  const changedLines: SkippedLine[] = [];
  const change = (line: number, reason: string) => {
    if (changedLines.length < CHAT_LIMITS.maxReportedSkips) changedLines.push({ line, reason });
  };
  let header: ParsedChatHeader;
  // A group chat's first line when it is a message (no header): read again as the first message.
  let firstMessage: StreamLine | null = null;
  try {
    const text = headerLine.text?.replace(/^\uFEFF/, '') ?? null;
    if (options.headerOptional && text !== null && isMessageLine(text)) {
      header = { metadata: {}, imported: GROUP_HEADER };
      firstMessage = { ...headerLine, text };
    } else {
      header = parseHeader({ ...headerLine, text }, change);
    }
  } catch (error) {
    await lines.return(undefined);
    throw error;
  }

  let skippedCount = 0;
  let messageCount = 0;
  const skippedLines: SkippedLine[] = [];
  const skip = (line: number, reason: string) => {
    skippedCount += 1;
    if (skippedLines.length < CHAT_LIMITS.maxReportedSkips) skippedLines.push({ line, reason });
  };

  async function* batches(): AsyncGenerator<ChatFileMessage[], void, undefined> {
    // A message without a readable date takes the one before it, so dates never run backwards.
    let lastDate = header.createdAt ?? options.fallbackDate ?? new Date().toISOString();
    let batch: ChatFileMessage[] = [];
    async function* all(): AsyncGenerator<StreamLine> {
      if (firstMessage) yield firstMessage;
      yield* lines;
    }
    for await (const { number, text } of all()) {
      if (text === null) {
        skip(number, `longer than ${CHAT_LIMITS.maxLineBytes} bytes`);
        continue;
      }
      if (text.trim() === '') continue;
      const parsed = parseLine(text);
      if ('error' in parsed) {
        skip(number, parsed.error);
        continue;
      }
      if (!isJsonObject(parsed.value)) {
        skip(number, 'not a JSON object');
        continue;
      }
      const message = toMessage(parsed.value, lastDate);
      if (typeof message === 'string') {
        skip(number, message);
        continue;
      }
      if (parsed.changed) change(number, parsed.changed);
      lastDate = message.createdAt;
      messageCount += 1;
      batch.push(message);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  return {
    header,
    batches: batches(),
    skippedLines,
    changedLines,
    get skippedCount() {
      return skippedCount;
    },
    get messageCount() {
      return messageCount;
    },
  };
}
