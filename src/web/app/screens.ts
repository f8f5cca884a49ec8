import { matchPath } from 'react-router';
import { lazyScreen, type LazyScreen } from '../ui/lazy-screen.js';

// The chat, where people spend the day and which a link opens straight into, is in the main bundle; every other
// screen is fetched when first visited, so opening a chat parses none of them.
export const screens = {
  login: lazyScreen(() => import('../features/auth/login-page.js').then((m) => m.LoginPage)),
  library: lazyScreen(() => import('../features/characters/library-page.js').then((m) => m.LibraryPage)),
  character: lazyScreen(() => import('../features/characters/character-page.js').then((m) => m.CharacterPage)),
  newCharacter: lazyScreen(() => import('../features/characters/new-character-page.js').then((m) => m.NewCharacterPage)),
  connections: lazyScreen(() => import('../features/connections/connections-page.js').then((m) => m.ConnectionsPage)),
  group: lazyScreen(() => import('../features/groups/group-page.js').then((m) => m.GroupPage)),
  personas: lazyScreen(() => import('../features/personas/personas-page.js').then((m) => m.PersonasPage)),
  worlds: lazyScreen(() => import('../features/worlds/worlds-page.js').then((m) => m.WorldsPage)),
  world: lazyScreen(() => import('../features/worlds/world-page.js').then((m) => m.WorldPage)),
  accounts: lazyScreen(() => import('../features/accounts/accounts-page.js').then((m) => m.AccountsPage)),
  trash: lazyScreen(() => import('../features/trash/trash-page.js').then((m) => m.TrashPage)),
  search: lazyScreen(() => import('../features/search/search-page.js').then((m) => m.SearchPage)),
  regex: lazyScreen(() => import('../features/regex/regex-page.js').then((m) => m.RegexPage)),
  settings: lazyScreen(() => import('../features/settings/settings-page.js').then((m) => m.SettingsPage)),
} satisfies Record<string, LazyScreen>;

/** The app's routes under the shell, in the order they match; null is the chat (in the main bundle). */
export const SCREEN_ROUTES: ReadonlyArray<{ path: string; screen: LazyScreen | null }> = [
  { path: '/', screen: screens.library },
  { path: '/characters/new', screen: screens.newCharacter },
  { path: '/characters/:id', screen: screens.character },
  { path: '/groups/new', screen: screens.group },
  { path: '/groups/:id', screen: screens.group },
  { path: '/chats/:id', screen: null },
  { path: '/personas', screen: screens.personas },
  { path: '/worlds', screen: screens.worlds },
  { path: '/worlds/:id', screen: screens.world },
  { path: '/search', screen: screens.search },
  { path: '/regex', screen: screens.regex },
  { path: '/settings', screen: screens.settings },
  { path: '/trash', screen: screens.trash },
  { path: '/accounts', screen: screens.accounts },
  { path: '/connections', screen: screens.connections },
];

/**
 * Fetches the code of the screen an address opens, at start-up, beside the session request and the outbox's
 * opening; the app renders once it is here (a few tens of ms), so the screen does not suspend. Never fails: a
 * screen that could not be fetched is fetched again by rendering, which shows the failure where the user sees it.
 */
export function preloadScreenOf(pathname: string): Promise<void> {
  const screen = pathname === '/login' ? screens.login : SCREEN_ROUTES.find((route) => matchPath(route.path, pathname))?.screen;
  return screen ? screen.preload().catch(() => undefined) : Promise.resolve();
}
