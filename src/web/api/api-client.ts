import { CLIENT_ID_HEADER } from '../../shared/api/events.js';
import { AccountApi } from './account-api.js';
import type { AuthGate } from './auth-gate.js';
import { CharactersApi } from './characters-api.js';
import { ChatsApi } from './chats-api.js';
import { ConnectionsApi } from './connections-api.js';
import { GenerationApi } from './generation-api.js';
import { SettingsApi } from './settings-api.js';
import { Transport } from './transport.js';

/** Every resource client over one transport that shares the session's token and recovery. */
export class ApiClient {
  readonly account: AccountApi;
  readonly characters: CharactersApi;
  readonly chats: ChatsApi;
  readonly connections: ConnectionsApi;
  readonly generation: GenerationApi;
  readonly settings: SettingsApi;

  constructor(gate: AuthGate, clientId: string, baseUrl = '') {
    const http = new Transport(gate, baseUrl, { [CLIENT_ID_HEADER]: clientId });
    this.account = new AccountApi(http);
    this.characters = new CharactersApi(http);
    this.chats = new ChatsApi(http);
    this.connections = new ConnectionsApi(http);
    this.generation = new GenerationApi(http);
    this.settings = new SettingsApi(http);
  }
}
