/**
 * World info at book sizes people reach: what one generation's activation costs (the engine's share of prompt
 * planning) for books of 500, 5,000 and 50,000 entries over a 200-message chat, with SillyTavern's default
 * settings (scan depth 2, recursion on) and with a scan depth of 200 (every message read). Keys are plain words
 * and phrases, one entry in ten also has a regex key, one in five secondary keys; some 15 entries fire per
 * generation and recurse. Also the cost of compiling a book, paid once per book revision (the server keeps the
 * compiled book). Goals: 5,000 entries under 15 ms, 50,000 under 100 ms.
 */
import { availableParallelism, loadavg } from 'node:os';
import { WorldInfoSettings } from '../src/shared/api/world-info-settings.js';
import { activateWorldInfo } from '../src/server/generation/world-info/activate-world-info.js';
import { compileBook, type CompiledBook } from '../src/server/generation/world-info/compiled-book.js';
import { readWorldEntry } from '../src/server/generation/world-info/world-entry.js';
import { loadTokenizer } from '../src/server/generation/tokenizer.js';
import { TimeLimitedRegex } from '../src/server/regex/time-limited-regex.js';
import { roleplayMessage } from './roleplay-message.js';
import { median, printTable } from './stats.js';

const SIZES = (process.env.BENCH_WORLD_INFO_SIZES ?? '500,5000,50000').split(',').map(Number);
const DEPTHS = (process.env.BENCH_WORLD_INFO_DEPTHS ?? '2,200').split(',').map(Number);
const RUNS = Number(process.env.BENCH_WORLD_INFO_RUNS ?? 30);
const CHAT_LENGTH = 200;
const GOALS: Record<number, number> = { 5_000: 15, 50_000: 100 };
const WARM_UP = 5;

/** A deterministic source, so every run builds the same book and chat. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mir', 'then', 'dra', 'vel', 'or', 'is', 'an', 'ul', 'shi', 'gor', 'ne', 'bri', 'tas'];

function makeBook(size: number, random: () => number): { raw: Record<string, unknown>; names: string[] } {
  const word = () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join('');
  const names: string[] = [];
  const entries: Record<string, unknown> = {};
  for (let uid = 0; uid < size; uid++) {
    const name = `${word()}${uid}`;
    names.push(name);
    const keys = [name, `${word()} ${word()}`, word()];
    if (uid % 10 === 0) keys.push(`/${name.slice(0, 4)}\\w*(?:ian|ese)\\b/i`);
    const secondary = uid % 5 === 0 ? [word(), word()] : [];
    // Some entries name another entry, so activations recurse.
    const mention = uid % 7 === 0 ? ` It is tied to ${names[Math.floor(random() * names.length)]}.` : '';
    entries[String(uid)] = {
      uid,
      key: keys,
      keysecondary: secondary,
      selective: secondary.length > 0,
      selectiveLogic: uid % 20 === 0 ? 2 : 0,
      comment: name,
      content: `${name} is a place of old stone and quiet rivers, where travellers rest before the pass.${mention}`,
      constant: uid < 3,
      order: 100 + (uid % 50),
      position: uid % 4 === 0 ? 4 : 0,
      depth: 4,
      probability: 100,
      useProbability: true,
      group: uid % 50 === 0 ? 'weather' : '',
      groupWeight: 100,
    };
  }
  return { raw: entries, names };
}

function makeChat(names: string[], random: () => number): string[] {
  return Array.from({ length: CHAT_LENGTH }, (_, i) => {
    const mentions = Array.from({ length: 3 }, () => names[Math.floor(random() * names.length)]).join(', ');
    return `${i % 2 ? 'Seraphina' : 'Ann'}: ${roleplayMessage(i)} We spoke of ${mentions}.`;
  });
}

export async function run() {
  const tokenizer = await loadTokenizer('llama-3');
  const regex = new TimeLimitedRegex();
  const rows: string[][] = [];
  const verdicts: string[] = [];
  try {
    for (const size of SIZES) {
      const random = seeded(size);
      const { raw, names } = makeBook(size, random);
      const newestFirst = makeChat(names, random).reverse();
      let t = performance.now();
      const entries = Object.entries(raw).map(([uid, e]) => readWorldEntry(e, 'Bench', uid));
      const book: CompiledBook = compileBook('Bench', entries, { caseSensitive: false, matchWholeWords: true });
      const compileMs = performance.now() - t;

      for (const depth of DEPTHS) {
        const settings = WorldInfoSettings.parse({ scanDepth: depth });
        const times: number[] = [];
        const cpu: number[] = [];
        let fired = 0;
        // Five warm-up runs (the compile's garbage is collected meanwhile), then RUNS measured, at most 60 s a row.
        const deadline = Date.now() + 60_000;
        for (let i = 0; i < RUNS + WARM_UP && Date.now() < deadline; i++) {
          const cpuBefore = process.cpuUsage();
          t = performance.now();
          const result = await activateWorldInfo({
            books: [{ source: 'global', book }],
            settings,
            messages: newestFirst,
            chatLength: CHAT_LENGTH,
            timedState: {},
            promptBudget: 16_000,
            character: { names: ['Seraphina'], tags: [] },
            expand: (text) => text,
            count: (text) => tokenizer.count(text),
            random: seeded(i),
            regex,
          });
          if (i >= WARM_UP) {
            times.push(performance.now() - t);
            // Main thread and regex worker alike; less moved than wall time by other work on the machine.
            const used = process.cpuUsage(cpuBefore);
            cpu.push((used.user + used.system) / 1000);
          }
          fired = result.activated.length;
        }
        const ms = median(times);
        rows.push([size.toLocaleString('en'), String(depth), String(fired), ms.toFixed(2), median(cpu).toFixed(2), depth === DEPTHS[0] ? compileMs.toFixed(0) : '']);
        const goal = GOALS[size];
        if (goal !== undefined) verdicts.push(`${size.toLocaleString('en')} entries, depth ${depth}: ${ms.toFixed(1)} ms (goal < ${goal} ms) ${ms < goal ? 'met' : 'NOT met'}`);
      }
    }
  } finally {
    await regex.close();
  }
  printTable(`World info activation over a ${CHAT_LENGTH}-message chat (median of ${RUNS})`, ['entries', 'scan depth', 'fired', 'ms', 'CPU ms', 'compile ms (once)'], rows);
  for (const v of verdicts) console.log(v);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${availableParallelism()} cores`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
