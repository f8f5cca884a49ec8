import { after, before } from 'node:test';
import { startTestServer, type TestServer, type TestServerOptions } from '../../support/test-server.js';
import { ensureWebBuilt, openBrowser, type BrowserOptions, type TestBrowser } from './browser.js';

/** The server and the browser of a describe; both are set by its `before` hook, so use them only inside tests and later hooks. */
export interface AppInBrowser {
  server: TestServer;
  browser: TestBrowser;
}

/**
 * For a describe of browser tests: registers a `before` hook that builds the web app if needed, starts the server, then
 * opens Chromium, and an `after` hook that closes the browser, then the server. Options the file can only compute in
 * that `before` (a temporary models folder, say) come from a function, called just before the server starts.
 * A file's own hooks registered after this call run after these, so its extra resources are made after the server and
 * closed after it.
 */
export function appInBrowser(
  serverOptions: TestServerOptions | (() => TestServerOptions | Promise<TestServerOptions>) = {},
  browserOptions: BrowserOptions = {},
): AppInBrowser {
  // Both are undefined until `before` has run; the type says what tests see.
  const app = {} as AppInBrowser;
  before(async () => {
    ensureWebBuilt();
    app.server = await startTestServer(typeof serverOptions === 'function' ? await serverOptions() : serverOptions);
    app.browser = await openBrowser(browserOptions);
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.close();
  });
  return app;
}
