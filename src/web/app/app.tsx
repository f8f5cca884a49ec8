import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { LoginPage } from '../features/auth/login-page.js';
import { RequireSession } from '../features/auth/require-session.js';
import { CharacterPage } from '../features/characters/character-page.js';
import { LibraryPage } from '../features/characters/library-page.js';
import { ChatPage } from '../features/chat/chat-page.js';
import { ConnectionsPage } from '../features/connections/connections-page.js';
import { PersonasPage } from '../features/personas/personas-page.js';
import { SettingsPage } from '../features/settings/settings-page.js';
import { AppShell } from './app-shell.js';

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
        <Route path="/login" element={<LoginPage />} />
        <Route
          element={
            <RequireSession>
              <AppShell />
            </RequireSession>
          }
        >
          <Route index element={<LibraryPage />} />
          <Route path="characters/:id" element={<CharacterPage />} />
          <Route path="chats/:id" element={<ChatPage />} />
          <Route path="personas" element={<PersonasPage />} />
          <Route path="settings" element={<SettingsPage />} />
          <Route path="connections" element={<ConnectionsPage />} />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
