/**
 * `parley import-sillytavern` of a SillyTavern folder holding many PNG cards (the case of a 7,500-card import that
 * took days in SillyTavern, #2952): cards per second for the first import, then for a second run over the same
 * folder, which is what resuming an interrupted import costs (every card found already there). In process, on the
 * real store (SQLite file, synchronous=FULL). `BENCH_FOLDER_CARDS` (default 2,000; the rate holds at 20,000).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultAvatarPng } from '../src/server/formats/default-avatar.js';
import { writeCardPng } from '../src/server/formats/write-card.js';
import { importSillyTavernFolder } from '../src/server/services/sillytavern-import.js';
import { makeCard } from '../test/support/fixtures.js';
import { TestClient } from '../test/support/http-client.js';
import { startTestServer, tempDir } from '../test/support/test-server.js';
import { printTable } from './stats.js';

const CARDS = Number(process.env.BENCH_FOLDER_CARDS ?? 2_000);

export async function run() {
  const folder = join(tempDir('parley-bench-folder-'), 'default-user');
  mkdirSync(join(folder, 'characters'), { recursive: true });
  const image = await defaultAvatarPng();
  let bytes = 0;
  for (let i = 0; i < CARDS; i++) {
    const card = makeCard({ name: `Card ${i}`, description: `Card ${i} is someone. `.repeat(40), tags: [`tag-${i % 40}`] });
    const png = writeCardPng(image, card as Parameters<typeof writeCardPng>[1]);
    bytes += png.length;
    writeFileSync(join(folder, 'characters', `Card ${i}.png`), png);
  }
  writeFileSync(join(folder, 'settings.json'), '{}');
  const server = await startTestServer({ config: { logLevel: 'warn' } });
  const rows: string[][] = [];
  try {
    await new TestClient(server.url).session();
    const userId = (await server.store.users.list())[0]!.id;
    const options = { userId, now: Date.now, maxCardBytes: 10 << 20, maxChatBytes: 100 << 20 };
    for (const label of ['first import', 'again (resume: all there)']) {
      const started = performance.now();
      const report = await importSillyTavernFolder(server.store, folder, options);
      const seconds = (performance.now() - started) / 1000;
      const done = report.imported.characters + report.alreadyThere.characters;
      if (done !== CARDS) throw new Error(`${label}: ${done} of ${CARDS} cards`);
      rows.push([label, CARDS.toLocaleString('en'), seconds.toFixed(2), (CARDS / seconds).toFixed(0), ((20_000 / CARDS) * seconds / 60).toFixed(1)]);
    }
  } finally {
    await server.close();
  }
  printTable(
    `SillyTavern folder of ${CARDS.toLocaleString('en')} PNG cards (${(bytes / 1e6).toFixed(0)} MB) through import-sillytavern`,
    ['run', 'cards', 'seconds', 'cards/s', 'min for 20,000'],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
