import type { GenerationMode } from '../../shared/api/generation.js';
import { assemblePrompt, type AssembledPrompt } from '../generation/prompt-assembly.js';
import { loadTokenizer } from '../generation/tokenizer.js';
import { notFound } from '../http/api-error.js';
import type { ChatRecord } from '../store/chats-repository.js';
import type { LocalModels } from '../generation/local-models.js';
import { ApiError } from '../http/api-error.js';
import type { BackendAllowlist } from '../security/backend-allowlist.js';
import type { ConnectionRecord } from '../store/connections-repository.js';
import type { Store } from '../store/store.js';
import { assertBackendAllowed, resolveConnection } from './connections.js';
import { messageView } from './message-view.js';

export interface GenerationRequest {
  userId: string;
  /** The account's name: the user's name in the prompt when no persona is the default. */
  userName: string;
  chatId: string;
  mode: GenerationMode;
  connectionId?: string | undefined;
}

/** Everything a generation needs, read before its transaction (which checks again what must not have changed). */
export interface GenerationPlan {
  chat: ChatRecord;
  connection: ConnectionRecord;
  characterName: string;
  assembled: AssembledPrompt;
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
}

/**
 * Reads the chat, its character, the persona and the newest history, and assembles the prompt (no writes). A
 * connection whose address the operator's backendAllowlist leaves out is refused here, before anything is sent.
 */
export async function planGeneration(store: Store, limits: PlanLimits, request: GenerationRequest, now: number): Promise<GenerationPlan> {
  const { userId } = request;
  const chat = await store.chats.get(userId, request.chatId);
  if (!chat) throw notFound('Chat');
  const resolved = await resolveConnection(store, userId, request.connectionId);
  assertBackendAllowed(limits.backendAllowlist, resolved);
  const connection = resolved.api === 'local' ? await fitToModelFile(resolved, limits.localModels) : resolved;
  const character = await store.characters.get(userId, chat.characterId);
  if (!character) throw notFound('Character');
  const persona = (await store.personas.list(userId)).find((p) => p.isDefault);
  const { context_size, max_tokens } = connection.settings;
  const limit = Math.min(Math.max(chat.messageCount, 1), Math.ceil((context_size - max_tokens) / MIN_TOKENS_PER_MESSAGE) + 1);
  const history = (await store.chats.page(chat.id, limit)).map(messageView);
  const tokenizer = await loadTokenizer(connection.model);
  const assembled = assemblePrompt({
    card: character.card.data,
    persona: persona ? { name: persona.name, description: persona.description } : { name: request.userName, description: '' },
    history,
    mode: request.mode,
    api: connection.api,
    model: connection.model,
    settings: connection.settings,
    instructTemplate: connection.instructTemplate,
    tokenizer,
    now,
    random: Math.random,
  });
  return { chat, connection, characterName: character.name, assembled };
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
