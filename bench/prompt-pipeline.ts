/**
 * Prompt planning at the size of a long roleplay: one generation's assemblePrompt (gather, macros, depth
 * injections, budget, format, inspection) over a 200-message chat with every feature on — a system prompt preset
 * the card overrides with {{original}}, world info before/after/at depth/examples/Author's Note entries, an
 * Author's Note in the chat, post-history instructions, "Start reply with", example dialogue, macros in every part
 * (names, {{random}}, {{pick}}, {{setvar}}/{{getvar}}, {{idle_duration}}), a 16k context with the real o200k
 * tokenizer, so the budget drops history. Measured per API format. Goal: under 20 ms (issue 10).
 * World info's activation is bench/world-info.ts; the database reads are bench/generation.ts.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Message } from '../src/shared/api/chats.js';
import type { ConnectionApi } from '../src/shared/api/generation.js';
import { PromptSettings } from '../src/shared/api/prompt-settings.js';
import { defaultPrompts, presetFromSillyTavern } from '../src/shared/api/prompt-manager.js';
import { assemblePrompt } from '../src/server/generation/prompt-assembly.js';
import type { PromptAssemblyInput } from '../src/server/generation/prompt-pipeline/prompt-parts.js';
import { KeptCounts, loadTokenizer } from '../src/server/generation/tokenizer.js';
import { BUNDLED_CONTEXT, BUNDLED_INSTRUCT } from '../src/server/generation/bundled-formatting.js';
import { roleplayMessage } from './roleplay-message.js';
import { median, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_PROMPT_RUNS ?? 50);
const WARM_UP = 5;
const CHAT_LENGTH = 200;
const GOAL_MS = 20;
const APIS: ConnectionApi[] = ['chat-completions', 'text-completions', 'anthropic', 'google'];

/** SillyTavern's default order with a prompt of one's own in the list and one in the chat at depth 2. */
const ST_PRESET = presetFromSillyTavern(
  {
    prompts: [
      ...defaultPrompts(),
      { identifier: 'style', name: 'Style', role: 'system', content: 'Write vividly about {{char}}.' },
      { identifier: 'nudge', name: 'Nudge', role: 'user', content: '(Stay in the scene, {{user}}.)', injection_position: 1, injection_depth: 2 },
    ],
    prompt_order: [
      {
        character_id: 100001,
        order: [
          ...['main', 'worldInfoBefore', 'personaDescription', 'charDescription', 'charPersonality', 'scenario', 'style', 'nsfw', 'worldInfoAfter', 'dialogueExamples', 'chatHistory', 'nudge', 'jailbreak'].map(
            (identifier) => ({ identifier, enabled: true }),
          ),
        ],
      },
    ],
  },
  { id: 'bench', name: 'Bench' },
);
const VARIANTS: Array<{ label: string; api: ConnectionApi; promptManager?: typeof ST_PRESET }> = [
  ...APIS.map((api) => ({ label: api, api })),
  { label: 'chat-completions, ST preset', api: 'chat-completions', promptManager: ST_PRESET },
];

function chat(): Message[] {
  const start = Date.UTC(2024, 8, 28, 13, 0);
  return Array.from({ length: CHAT_LENGTH }, (_, seq) => {
    const role = seq % 2 === 0 ? 'assistant' : 'user';
    const content = `${roleplayMessage(seq)} {{user}} looks at {{char}}.${seq % 10 === 0 ? ' {{random::left::right}}' : ''}`;
    return {
      id: `m${seq}`,
      seq,
      role,
      name: role === 'user' ? 'Ann' : 'Seraphina',
      content,
      swipes: [content],
      swipeIndex: 0,
      createdAt: new Date(start + seq * 60_000).toISOString(),
      extra: {},
      revision: 1,
      status: 'complete',
      hidden: false,
      bookmarked: false,
    } satisfies Message;
  });
}

export async function run() {
  // Every run counts as the first reply after a start does: each text tokenized once in the prompt, none kept from
  // an earlier prompt (the tokenizer keeps its counts across prompts: the runs after the first would count nothing).
  let tokenizer = await loadTokenizer('gpt-4o', new KeptCounts());
  const history = chat();
  const promptSettings = PromptSettings.parse({
    systemPrompts: [{ id: 'story', name: 'Story', content: 'You are {{char}}, talking with {{user}}. Weather: {{pick::rain::sun::fog}}.' }],
    activeSystemPrompt: 'story',
    postHistoryInstructions: 'Keep replies under 200 words. {{setvar::turns::{{lastUserMessage}}}}',
    startReplyWith: '{{char}}:',
    showStartReplyWith: false,
  });
  const base: Omit<PromptAssemblyInput, 'api'> = {
    card: {
      name: 'Seraphina',
      description: `{{char}} is a guardian of the forest. ${'She knows every path and every stone. '.repeat(40)}`,
      personality: 'kind, wary, {{random::quiet::bold}}',
      scenario: '{{user}} wakes in a glade {{idle_duration}} after the storm.',
      first_mes: '',
      mes_example: Array.from({ length: 6 }, (_, i) => `<START>\n{{user}}: Question ${i}?\n{{char}}: Answer ${i}, {{user}}.`).join('\n'),
      system_prompt: '{{original}} Stay in character.',
      post_history_instructions: '',
    },
    persona: { name: 'Ann', description: '{{user}} is a traveller from the north.' },
    history,
    mode: 'new',
    model: 'gpt-4o',
    settings: { context_size: 16_384, max_tokens: 512 },
    textFormatting: { instruct: BUNDLED_INSTRUCT.llama3!, context: BUNDLED_CONTEXT.instruct! },
    tokenizer,
    now: Date.UTC(2024, 8, 28, 17, 0),
    timeZone: 'UTC',
    random: Math.random,
    variables: { turns: 0 },
    pickSeed: 'bench-chat',
    promptSettings,
    authorsNote: { prompt: '[{{char}} is tired; the night is cold.]', interval: 1, position: 'in_chat', depth: 4, role: 'system' },
    characterNote: { prompt: '[{{char}} hides a wound.]', enabled: true, placement: 'after' },
    worldInfo: {
      before: 'The forest of Eldoria is old. '.repeat(20),
      after: 'The river runs north to the sea. '.repeat(10),
      examplesTop: ['{{user}}: Where is the river?\n{{char}}: North.'],
      examplesBottom: [],
      injections: [
        { depth: 2, role: 'system', text: 'A wolf howls nearby.' },
        { depth: 0, role: 'user', text: '(Ann is hungry.)' },
      ],
      authorsNoteTop: ['The moon is full.'],
      authorsNoteBottom: [],
      inspection: { entries: [], budget: { used: 300, limit: 4000, overflowed: false }, problems: [], steps: [] } as never,
    },
  };

  const rows: string[][] = [];
  const verdicts: string[] = [];
  for (const { label, api, promptManager } of VARIANTS) {
    const times: number[] = [];
    const cpu: number[] = [];
    let result: ReturnType<typeof assemblePrompt> | null = null;
    const deadline = Date.now() + 60_000;
    for (let i = 0; i < RUNS + WARM_UP && Date.now() < deadline; i++) {
      tokenizer = await loadTokenizer('gpt-4o', new KeptCounts());
      const cpuBefore = process.cpuUsage();
      const t = performance.now();
      result = assemblePrompt({ ...base, api, promptManager, tokenizer, variables: { turns: 0 } });
      if (i >= WARM_UP) {
        times.push(performance.now() - t);
        // This process's CPU time: less moved than wall time by other work on a shared machine.
        const used = process.cpuUsage(cpuBefore);
        cpu.push((used.user + used.system) / 1000);
      }
    }
    const ms = median(times);
    const cpuMs = median(cpu);
    const inspection = result!.inspection;
    rows.push([label, String(inspection.history.included), String(inspection.history.dropped), String(inspection.totalTokens), ms.toFixed(2), cpuMs.toFixed(2)]);
    verdicts.push(`${label}: ${ms.toFixed(1)} ms, ${cpuMs.toFixed(1)} CPU ms (goal < ${GOAL_MS} ms) ${ms < GOAL_MS ? 'met' : 'NOT met'}`);
  }
  printTable(
    `Prompt planning of a ${CHAT_LENGTH}-message chat, every feature on (median of ${RUNS})`,
    ['api', 'messages sent', 'dropped', 'prompt tokens', 'ms', 'CPU ms'],
    rows,
  );
  for (const v of verdicts) console.log(v);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${availableParallelism()} cores`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
