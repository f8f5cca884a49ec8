import { Suspense } from 'react';
import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { RequireSession } from '../features/auth/require-session.js';
import { ChatPage } from '../features/chat/chat-page.js';
import { AppShell } from './app-shell.js';
import { ScreenLoading } from '../ui/screen-loading.js';
import { SCREEN_ROUTES, screens } from './screens.js';

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
              <screens.login.Screen />
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
          {SCREEN_ROUTES.map(({ path, screen }) => {
            const element = screen ? <screen.Screen /> : <ChatPage />;
            return path === '/' ? <Route key={path} index element={element} /> : <Route key={path} path={path.slice(1)} element={element} />;
          })}
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </BrowserRouter>
  );
}
