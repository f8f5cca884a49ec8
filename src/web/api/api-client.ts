import { TrashApi } from './trash-api.js';
import { CLIENT_ID_HEADER } from '../../shared/api/events.js';
import { AccountApi } from './account-api.js';
import type { AuthGate } from './auth-gate.js';
import { CharactersApi } from './characters-api.js';
import { ChatsApi } from './chats-api.js';
import { ConnectionsApi } from './connections-api.js';
import { GroupsApi } from './groups-api.js';
import { FormattingApi } from './formatting-api.js';
import { UsageApi } from './usage-api.js';
import { GenerationApi } from './generation-api.js';
import { LibraryApi } from './library-api.js';
import { SearchApi } from './search-api.js';
import { SettingsApi } from './settings-api.js';
import { Transport } from './transport.js';
import { WorldsApi } from './worlds-api.js';
import { SharesApi } from './shares-api.js';
import { UsersApi } from './users-api.js';

/** Every resource client over one transport that shares the session's token and recovery. */
export class ApiClient {
  readonly account: AccountApi;
  readonly characters: CharactersApi;
  readonly chats: ChatsApi;
  readonly groups: GroupsApi;
  readonly connections: ConnectionsApi;
  readonly formatting: FormattingApi;
  readonly usage: UsageApi;
  readonly generation: GenerationApi;
  readonly library: LibraryApi;
  readonly search: SearchApi;
  readonly settings: SettingsApi;
  readonly worlds: WorldsApi;
  readonly shares: SharesApi;
  readonly trash: TrashApi;
  readonly users: UsersApi;

  constructor(gate: AuthGate, clientId: string, baseUrl = '') {
    const http = new Transport(gate, baseUrl, { [CLIENT_ID_HEADER]: clientId });
    this.account = new AccountApi(http);
    this.characters = new CharactersApi(http);
    this.chats = new ChatsApi(http);
    this.groups = new GroupsApi(http);
    this.connections = new ConnectionsApi(http);
    this.formatting = new FormattingApi(http);
    this.usage = new UsageApi(http);
    this.generation = new GenerationApi(http);
    this.library = new LibraryApi(http);
    this.search = new SearchApi(http);
    this.settings = new SettingsApi(http);
    this.worlds = new WorldsApi(http);
    this.shares = new SharesApi(http);
    this.trash = new TrashApi(http);
    this.users = new UsersApi(http);
  }
}
