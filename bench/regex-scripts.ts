/**
 * Regex scripts at the size of a long roleplay: the prompt-only scripts of one generation over a 200-message history
 * (the texts of a prompt), and the display-only scripts of one page of 100 messages, each run through the
 * time-limited worker (bench/world-info.ts measures the same worker's key tests). Ten scripts of the kinds cards
 * ship: quotes, status boxes, <think> removal, name trims, a lookbehind, a case-insensitive word list.
 */
import { availableParallelism, loadavg } from 'node:os';
import { RegexScript, type RegexScriptInput } from '../src/shared/api/regex-scripts.js';
import { runRegexScripts, type RegexMoment, type RegexTarget } from '../src/server/regex/regex-scripts.js';
import { TimeLimitedRegex } from '../src/server/regex/time-limited-regex.js';
import { roleplayMessage } from './roleplay-message.js';
import { median, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_REGEX_RUNS ?? 30);
const WARM_UP = 3;

const SCRIPTS: RegexScriptInput[] = [
  { findRegex: '/"([^"]*)"/g', replaceString: '“$1”' },
  { findRegex: '/\\[STATUS:([^\\]]*)\\]/g', replaceString: '<div style="border:1px solid #c33">$1</div>' },
  { findRegex: '/<think>[\\s\\S]*?<\\/think>/g', replaceString: '' },
  { findRegex: '/^{{char}}: /gm', replaceString: '', substituteRegex: 1 },
  { findRegex: '/(?<=\\s)very (\\w+)/gi', replaceString: '$1' },
  { findRegex: '/\\b(suddenly|somehow|a testament to|shivers down)\\b/gi', replaceString: '' },
  { findRegex: '/\\*([^*]+)\\*/g', replaceString: '<i>$1</i>', trimStrings: ['{{user}}'] },
  { findRegex: '/\\n{3,}/g', replaceString: '\\n\\n' },
  { findRegex: '/(\\d+) gold/g', replaceString: '$1 gp' },
  { findRegex: 'OOC:', replaceString: '' },
];

async function timed(runner: TimeLimitedRegex, moment: RegexMoment, targets: RegexTarget[], only: 'promptOnly' | 'markdownOnly') {
  const scripts = SCRIPTS.map((s) => RegexScript.parse({ placement: [1, 2], [only]: true, ...s }));
  const macros = { char: 'Seraphina', user: 'Ann', now: Date.now(), random: Math.random };
  const times: number[] = [];
  for (let i = 0; i < WARM_UP + RUNS; i++) {
    const started = performance.now();
    await runRegexScripts(runner, scripts, moment, targets, macros);
    if (i >= WARM_UP) times.push(performance.now() - started);
  }
  return median(times);
}

export async function run(): Promise<void> {
  const runner = new TimeLimitedRegex();
  const history = (n: number) => Array.from({ length: n }, (_, seq) => ({ text: roleplayMessage(seq), placement: (seq % 2 ? 1 : 2) as 1 | 2, depth: n - seq - 1 }));
  const prompt = await timed(runner, 'prompt', history(200), 'promptOnly');
  const page = await timed(runner, 'display', history(100), 'markdownOnly');
  await runner.close();
  printTable(
    `Regex scripts: 10 scripts, median of ${RUNS} (${availableParallelism()} cores, load ${loadavg()[0]?.toFixed(1)})`,
    ['what', 'texts', 'ms'],
    [
      ['prompt-only, one generation', '200', prompt.toFixed(1)],
      ['display-only, one page', '100', page.toFixed(1)],
    ],
  );
}
