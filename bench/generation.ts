/**
 * Pass-through overhead of generation: the fake OpenAI-compatible backend streams 2,000 tokens at 2,000 tokens/s,
 * read once straight from it and once through Parley's POST /api/chats/:id/generate (the bundle `npm start` runs, in
 * a process of its own, SQLite file, the reply saved every 250 ms). The backend too runs in a process of its own, as a
 * real one does; both paths are read by the same SSE reader over loopback.
 * Two cases, each paired with a direct read just before it: a new reply (a fresh chat of the same character per run,
 * with one user message, made before the timed part, so the prompt and the row written stay the same size), and a
 * swipe (every run a new swipe of the same reply, which grows to BENCH_GENERATION_RUNS + 1 swipes of 2,000 tokens).
 * Medians of BENCH_GENERATION_RUNS runs (default 7) each, alternating; one warm-up of each first (tokenizer load).
 * Goal: through Parley >= 95% of the direct rate, and < 3 ms added to the time to first token.
 */
import { createParser } from 'eventsource-parser';
import { numberedTokens } from '../test/support/fake-llm-server.js';
import { appendOp, createCharacterAndChat, newId } from '../test/support/fixtures.js';
import { TestClient } from '../test/support/http-client.js';
import { buildIfNeeded, startParleyProcess } from './server-process.js';
import { spawnFakeLlm } from './fake-llm-process.js';
import { median, printTable } from './stats.js';

const TOKENS = 2_000;
const RATE = 2_000;
const RUNS = Number(process.env.BENCH_GENERATION_RUNS ?? 7);

interface Measure {
  /** ms from sending the request to the first token. */
  firstToken: number;
  /** tokens per second from the request to the end of the stream. */
  rate: number;
}

/** Reads an SSE response to its end, counting token pieces (chat-completion chunks, or Parley's token events). */
async function measure(send: () => Promise<Response>, isToken: (event: string | undefined, data: string) => boolean): Promise<Measure> {
  const started = performance.now();
  const response = await send();
  if (!response.ok || !response.body) throw new Error(`stream refused: HTTP ${response.status} ${await response.text()}`);
  let first = 0;
  let count = 0;
  const parser = createParser({
    onEvent: (e) => {
      if (!isToken(e.event, e.data)) return;
      count++;
      if (first === 0) first = performance.now();
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
  const ended = performance.now();
  if (count === 0) throw new Error('no token arrived');
  return { firstToken: first - started, rate: TOKENS / ((ended - started) / 1000) };
}

export async function run() {
  const fake = await spawnFakeLlm({ tokens: numberedTokens(TOKENS), tokensPerSecond: RATE });
  buildIfNeeded();
  const server = await startParleyProcess();
  const client = new TestClient(server.url);
  try {
    await client.session();
    const { characterId, chatId: swipeChatId } = await createCharacterAndChat(client);
    await client.post('/api/connections', {
      id: newId(),
      name: 'Fake',
      api: 'chat-completions',
      baseUrl: fake.url,
      model: 'fake-model',
      settings: { max_tokens: 4000, context_size: 8192 },
    });
    /** A chat of the character holding its greeting and one user message, as a user's next reply finds it. */
    const chatWithQuestion = async (chatId?: string) => {
      const id = chatId ?? (await client.post('/api/chats', { characterId })).body.id;
      await client.post(`/api/chats/${id}/ops`, { ops: [appendOp('Tell me a long story.')] });
      return id as string;
    };
    await chatWithQuestion(swipeChatId);

    const direct = () =>
      measure(
        () =>
          fetch(`${fake.url}/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
            body: JSON.stringify({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: 'Tell me a long story.' }] }),
          }),
        (_event, data) => data !== '[DONE]' && (JSON.parse(data).choices?.[0]?.delta?.content ?? '') !== '',
      );
    const throughParley = (chatId: string, mode: 'new' | 'swipe') =>
      measure(
        () =>
          fetch(`${server.url}/api/chats/${chatId}/generate`, {
            method: 'POST',
            headers: { cookie: client.cookieHeader, 'x-csrf-token': client.csrfToken ?? '', 'content-type': 'application/json', accept: 'text/event-stream' },
            body: JSON.stringify({ mode }),
          }),
        (event) => event === 'token',
      );

    // Warm-up: the swipe chat's first reply (later runs swipe it), and a new reply elsewhere.
    await direct();
    await throughParley(swipeChatId, 'new');
    await throughParley(await chatWithQuestion(), 'new');
    const runs = { newDirect: [] as Measure[], newParley: [] as Measure[], swipeDirect: [] as Measure[], swipeParley: [] as Measure[] };
    for (let i = 0; i < RUNS; i++) {
      const fresh = await chatWithQuestion();
      runs.newDirect.push(await direct());
      runs.newParley.push(await throughParley(fresh, 'new'));
      runs.swipeDirect.push(await direct());
      runs.swipeParley.push(await throughParley(swipeChatId, 'swipe'));
    }
    const med = (ms: Measure[]) => ({ firstToken: median(ms.map((m) => m.firstToken)), rate: median(ms.map((m) => m.rate)) });
    const rows = [
      { name: 'new reply', d: med(runs.newDirect), p: med(runs.newParley) },
      { name: 'swipe', d: med(runs.swipeDirect), p: med(runs.swipeParley) },
    ];
    printTable(
      `Generation pass-through (${TOKENS.toLocaleString('en')} tokens at ${RATE.toLocaleString('en')}/s, median of ${RUNS})`,
      ['case', 'direct first token (ms)', 'through Parley (ms)', 'added (ms)', 'direct tokens/s', 'through Parley tokens/s'],
      rows.map(({ name, d, p }) => [
        name,
        d.firstToken.toFixed(2),
        p.firstToken.toFixed(2),
        `+${(p.firstToken - d.firstToken).toFixed(2)}`,
        d.rate.toFixed(0),
        p.rate.toFixed(0),
      ]),
    );
    for (const { name, d, p } of rows) {
      console.log(
        `Parley, ${name}: ${((p.rate / d.rate) * 100).toFixed(1)}% of the direct rate (goal >= 95%), ` +
          `+${(p.firstToken - d.firstToken).toFixed(2)} ms to the first token (goal < 3 ms, issue 15)`,
      );
    }
    const reply = (await client.get(`/api/chats/${swipeChatId}/messages?limit=1`)).body.messages[0];
    if (reply.status !== 'complete' || reply.swipes.length !== RUNS + 1) throw new Error('the replies were not all stored');
  } finally {
    await server.close();
    await fake.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
