import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  plugins: [
    react(),
    // An installable app: a manifest, icons, and a service worker that keeps the app's shell for offline starts.
    // Writes wait in the outbox (IndexedDB) already; the worker never touches /api.
    VitePWA({
      // main.tsx registers the worker itself (no inline script, so the page's content policy stays strict).
      injectRegister: false,
      // A new version waits until every tab of the old one is closed: an open page never loses the files it runs on.
      registerType: 'prompt',
      includeAssets: ['icons/icon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        name: 'Parley',
        short_name: 'Parley',
        description: 'Chat with characters through the models you choose; every word is kept.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f5f4f0',
        theme_color: '#2f6aa3',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        cleanupOutdatedCaches: true,
        // Pages come from the server while it answers, so a new version is seen at once; offline, the kept shell
        // opens and finds its place from the address (every screen has a URL).
        navigateFallback: null,
        runtimeCaching: [
          {
            urlPattern: ({ request, url }) => request.mode === 'navigate' && !url.pathname.startsWith('/api/'),
            handler: 'NetworkOnly',
            options: { precacheFallback: { fallbackURL: '/index.html' } },
          },
        ],
      },
    }),
  ],
  build: { outDir: 'dist/web', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
});
