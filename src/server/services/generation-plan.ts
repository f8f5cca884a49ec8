import type { GenerationMode } from '../../shared/api/generation.js';
import { assemblePrompt, type AssembledPrompt, type PromptAssemblyInput } from '../generation/prompt-assembly.js';
import { promptMacroContext } from '../generation/prompt-pipeline/expand-parts.js';
import { expandMacros } from '../../shared/macros.js';
import { TIMED_STATE_KEY } from '../generation/world-info/timed-effects.js';
import { worldInfoForPrompt } from '../generation/world-info/world-info-prompt.js';
import { loadTokenizer } from '../generation/tokenizer.js';
import { notFound } from '../errors/api-error.js';
import type { ChatRecord } from '../store/chats-repository.js';
import type { LocalModels } from '../generation/local-models.js';
import { ApiError } from '../errors/api-error.js';
import type { BackendAllowlist } from '../security/backend-allowlist.js';
import type { ConnectionRecord } from '../store/connections-repository.js';
import type { Store } from '../store/store.js';
import type { SettingsStamp } from '../store/settings-repository.js';
import { assertBackendAllowed } from './connections.js';
import { formattingFor, overrideLevels, promptPresetFor, promptSettingsFor, resolveGenerationConnection } from './generation-overrides.js';
import { messageView } from './message-view.js';
import { activateForGeneration } from './world-info-activation.js';
import { castForGeneration, groupInspection, groupPromptInput, groupWorldInfo, type GroupTurnRequest } from './group-turn.js';
import type { WorldInfoBooks } from './world-info-books.js';
import type { SettingsCache } from './settings-cache.js';
import { isInPrompt } from '../../shared/message-visibility.js';
import { chatAuthorsNote } from '../../shared/api/prompt-settings.js';
import type { RegexReplacer } from '../regex/time-limited-regex.js';
import { chatRegex, regexHistoryForPrompt, regexWorldInfo, type ChatRegex } from './regex-scripts.js';
import { choosePersona } from '../../shared/persona-choice.js';

export interface GenerationRequest {
  /** The chat's owner: the generation reads their library (character, books, settings, connection). */
  userId: string;
  /** Who asked: the owner, or a participant the chat is shared with to write. */
  startedBy: string;
  /** The account's name: the user's name in the prompt when no persona speaks in the chat. */
  userName: string;
  /** Admins may use local backends on a shared server (see BackendAllowlist). */
  admin: boolean;
  chatId: string;
  /** The chat, when the caller has just read it (the route's access check); read here otherwise. */
  chat?: ChatRecord | undefined;
  /** The stamp of the owner's settings, when the caller read it with the session (request-auth.ts); read here otherwise. */
  settingsStamp?: SettingsStamp | undefined;
  mode: GenerationMode;
  connectionId?: string | undefined;
  /** Group chats: a forced speaker, auto-mode (services/group-turn.ts). */
  group?: GroupTurnRequest | undefined;
}

/** Everything a generation needs, read before its transaction (which checks again what must not have changed). */
export interface GenerationPlan {
  chat: ChatRecord;
  connection: ConnectionRecord;
  characterName: string;
  /** Group chats: the member speaking (stored on the reply) and those chosen to speak after it. */
  group?: { speakerId: string; queue: string[] } | undefined;
  assembled: AssembledPrompt;
  /** Chat metadata the generation writes as it starts (world info's `timedWorldInfo`). */
  metadataPatch?: Record<string, unknown> | undefined;
  /** Counts the finished reply's tokens (its `extra.token_count`). */
  countTokens: (text: string) => number;
  /** The chat's regex scripts (null when none is on): the finished reply goes through them. */
  regex: ChatRegex | null;
  /** Scripts skipped while the prompt was made because their pattern ran out of time. */
  slowRegexScripts: string[];
}

/*
 * Every message costs at least a token of text and the separators around it (chat completion adds 4 per message,
 * the instruct templates 2 or more), so a prompt never holds more messages than its budget / 3: reading that many
 * of the newest is always enough, and a 100,000-message chat is never read whole.
 */
const MIN_TOKENS_PER_MESSAGE = 3;

/** What a plan checks a connection against besides the database. */
export interface PlanLimits {
  backendAllowlist: BackendAllowlist;
  localModels: LocalModels;
  worldInfo: WorldInfoBooks;
  /** Runs regex scripts with a time limit. */
  regex: RegexReplacer;
  /** The users' parsed settings, checked against the database's revision. */
  settings: SettingsCache;
}

/**
 * Reads the chat, its character, the persona and the newest history, and assembles the prompt (no writes). A
 * connection whose address the operator's backendAllowlist leaves out is refused here, before anything is sent.
 */
export async function planGeneration(store: Store, limits: PlanLimits, request: GenerationRequest, now: number): Promise<GenerationPlan> {
  const { userId } = request;
  const chat = request.chat ?? (await store.chats.get(userId, request.chatId));
  if (!chat) throw notFound('Chat');
  // ---- group chats (services/group-turn.ts): the speaking member is the character ----
  const cast = await castForGeneration(store, userId, chat, request);
  const { character } = cast;
  // The chat's choices over the character's over the user's (services/generation-overrides.ts).
  const levels = overrideLevels(chat, character);
  // The user's settings, read once for every step below (connection, templates, regex scripts, world info).
  const settings = await limits.settings.get(store, userId, request.settingsStamp);
  const { connection: resolved } = await resolveGenerationConnection(store, userId, request.connectionId, levels, settings.values);
  assertBackendAllowed(limits.backendAllowlist, resolved, request);
  // The chat's or character's templates and sampler preset over the connection's.
  const formatting = formattingFor(settings.formatting, levels, resolved);
  const chosen = { ...resolved, settings: formatting.settings };
  const connection = chosen.api === 'local' ? await fitToModelFile(chosen, limits.localModels) : chosen;
  const personas = await store.personas.list(userId);
  const persona = choosePersona(personas, { chat: chat.personaId, character: character.personaId })?.persona;
  const { context_size, max_tokens } = connection.settings;
  const limit = Math.min(Math.max(chat.messageCount, 1), Math.ceil((context_size - max_tokens) / MIN_TOKENS_PER_MESSAGE) + 1);
  const stored = (await store.chats.promptPage(chat.id, limit)).map(messageView).filter(isInPrompt);
  // ---- regex scripts: "alter prompt only" on the history (world info scans what the prompt reads, as in SillyTavern)
  const regex = await chatRegex(store, limits.regex, { id: userId, name: request.userName }, chat, now, { settings: settings.regex, character, personas });
  const replacing = stored.at(-1)?.role === 'assistant' && (request.mode === 'regenerate' || request.mode === 'swipe');
  const { history, slow: slowInHistory } = await regexHistoryForPrompt(regex, stored, replacing);
  const tokenizer = await loadTokenizer(connection.model);
  const { settings: promptSettings } = promptSettingsFor(settings.prompt, levels);
  const authorsNote = chatAuthorsNote(chat.metadata, promptSettings.authorsNote);
  // ---- group chats: the group's card parts and names in history (swap / join); unchanged in a 1:1 chat ----
  const input: PromptAssemblyInput = groupPromptInput(cast, {
    card: character.card.data,
    persona: persona ? { name: persona.name, description: persona.description } : { name: request.userName, description: '' },
    history,
    mode: request.mode,
    api: connection.api,
    model: connection.model,
    settings: connection.settings,
    textFormatting: formatting.text,
    tokenizer,
    now,
    random: Math.random,
    variables: chatVariables(chat.metadata),
    pickSeed: typeof chat.metadata.chat_id_hash === 'number' ? chat.metadata.chat_id_hash : chat.id,
    promptSettings,
    promptManager: promptPresetFor(settings.promptManager, levels).preset,
    authorsNote,
    characterNote: promptSettings.characterNotes[character.id],
    // Only a note sent every Nth user message needs the count of the whole chat.
    userMessageCount: authorsNote.interval > 1 ? await store.chats.countUserMessages(chat.id) : undefined,
  });
  const macros = promptMacroContext(input);
  const count = (text: string) => tokenizer.count(text);
  const activation = await activateForGeneration(store, limits.worldInfo, {
    userId,
    settings: settings.worldInfo,
    chat,
    character,
    // ---- group chats: the members' and the group's books join the speaker's ----
    group: groupWorldInfo(cast),
    personaId: persona?.id ?? null,
    userName: input.persona.name,
    mode: request.mode,
    history,
    promptBudget: context_size - max_tokens,
    expand: (text) => expandMacros(text, macros),
    count,
    random: Math.random,
  });
  const placed = activation && (await regexWorldInfo(regex, activation));
  const assembled = assemblePrompt({ ...input, worldInfo: placed && worldInfoForPrompt(placed.placed, count) });
  // Timed effects start with this prompt, and {{setvar}} takes effect with it: the transaction that begins the
  // generation stores them.
  const variablesChanged = JSON.stringify(input.variables) !== JSON.stringify(chatVariables(chat.metadata));
  const metadataPatch =
    activation || variablesChanged
      ? { ...(activation ? { [TIMED_STATE_KEY]: activation.timedState } : {}), ...(variablesChanged ? { [VARIABLES_KEY]: input.variables } : {}) }
      : undefined;
  // ---- group chats: the inspector says who spoke and whose cards went in; the reply stores its speaker ----
  if (cast.group) assembled.inspection.group = groupInspection(cast);
  const group = cast.group ? { speakerId: character.id, queue: cast.group.queue } : undefined;
  const slowRegexScripts = [...new Set([...slowInHistory, ...(placed?.slow ?? [])])];
  if (slowRegexScripts.length > 0) assembled.inspection.slowRegexScripts = slowRegexScripts;
  return { chat, connection, characterName: character.name, group, assembled, metadataPatch, countTokens: count, regex, slowRegexScripts };
}

/** SillyTavern keeps a chat's {{setvar}} variables in its metadata under this key. */
const VARIABLES_KEY = 'variables';

function chatVariables(metadata: ChatRecord['metadata']): Record<string, unknown> {
  const variables = metadata[VARIABLES_KEY];
  return variables && typeof variables === 'object' && !Array.isArray(variables) ? { ...variables } : {};
}

/**
 * A model file's prompt must fit the context it was trained for (node-llama-cpp would cut a longer one from the
 * front): a larger context size in the profile is lowered to it, and a response length that leaves no room is refused.
 */
async function fitToModelFile(connection: ConnectionRecord, localModels: LocalModels): Promise<ConnectionRecord> {
  const trained = await localModels.trainedContext(connection.model);
  if (trained === undefined || trained >= connection.settings.context_size) return connection;
  if (connection.settings.max_tokens >= trained) {
    throw new ApiError(
      'invalid_request',
      `${connection.model} was trained for a context of ${trained} tokens, too small for this connection's response length of ${connection.settings.max_tokens}: lower the response length below ${trained}.`,
    );
  }
  return { ...connection, settings: { ...connection.settings, context_size: trained } };
}
