import { lazy, Suspense } from 'react';
import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { RequireSession } from '../features/auth/require-session.js';
import { ChatPage } from '../features/chat/chat-page.js';
import { AppShell } from './app-shell.js';
import { ScreenLoading } from '../ui/screen-loading.js';

// The chat, where people spend the day and which a link opens straight into, is in the main bundle; every other
// screen is fetched when first visited, so opening a chat parses none of them.
const LoginPage = lazy(() => import('../features/auth/login-page.js').then((m) => ({ default: m.LoginPage })));
const LibraryPage = lazy(() => import('../features/characters/library-page.js').then((m) => ({ default: m.LibraryPage })));
const CharacterPage = lazy(() =>
  import('../features/characters/character-page.js').then((m) => ({ default: m.CharacterPage })),
);
const NewCharacterPage = lazy(() =>
  import('../features/characters/new-character-page.js').then((m) => ({ default: m.NewCharacterPage })),
);
const ConnectionsPage = lazy(() =>
  import('../features/connections/connections-page.js').then((m) => ({ default: m.ConnectionsPage })),
);
const GroupPage = lazy(() => import('../features/groups/group-page.js').then((m) => ({ default: m.GroupPage })));
const PersonasPage = lazy(() => import('../features/personas/personas-page.js').then((m) => ({ default: m.PersonasPage })));
const WorldsPage = lazy(() => import('../features/worlds/worlds-page.js').then((m) => ({ default: m.WorldsPage })));
const WorldPage = lazy(() => import('../features/worlds/world-page.js').then((m) => ({ default: m.WorldPage })));
const AccountsPage = lazy(() => import('../features/accounts/accounts-page.js').then((m) => ({ default: m.AccountsPage })));
const TrashPage = lazy(() => import('../features/trash/trash-page.js').then((m) => ({ default: m.TrashPage })));
const SearchPage = lazy(() => import('../features/search/search-page.js').then((m) => ({ default: m.SearchPage })));
const RegexPage = lazy(() => import('../features/regex/regex-page.js').then((m) => ({ default: m.RegexPage })));
const SettingsPage = lazy(() => import('../features/settings/settings-page.js').then((m) => ({ default: m.SettingsPage })));

function NotFound() {
  return (
    <div className="centered">
      <h1>Nothing here</h1>
      <Link to="/">Back to characters</Link>
    </div>
  );
}

/** The routes of API.md "Web routes": every screen has a URL, and reloading it returns to the same place. */
export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route
          path="/login"
          element={
            <Suspense fallback={<ScreenLoading />}>
              <LoginPage />
            </Suspense>
          }
        />
        <Route
          element={
            <RequireSession>
              <AppShell />
            </RequireSession>
          }
        >
          <Route index element={<LibraryPage />} />
          <Route path="characters/new" element={<NewCharacterPage />} />
          <Route path="characters/:id" element={<CharacterPage />} />
          <Route path="groups/new" element={<GroupPage />} />
          <Route path="groups/:id" element={<GroupPage />} />
          <Route path="chats/:id" element={<ChatPage />} />
          <Route path="personas" element={<PersonasPage />} />
          <Route path="worlds" element={<WorldsPage />} />
          <Route path="worlds/:id" element={<WorldPage />} />
          <Route path="search" element={<SearchPage />} />
          <Route path="regex" element={<RegexPage />} />
          <Route path="settings" element={<SettingsPage />} />
          <Route path="trash" element={<TrashPage />} />
          <Route path="accounts" element={<AccountsPage />} />
          <Route path="connections" element={<ConnectionsPage />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
