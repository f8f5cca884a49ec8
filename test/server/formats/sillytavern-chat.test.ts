import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { ChatFileMessage } from '../../../src/server/formats/chat-file.js';
import { ChatFormatError, type ChatErrorReason } from '../../../src/server/formats/chat-format-error.js';
import {
  parseSillyTavernChat,
  type ParseChatOptions,
  type SillyTavernChatReader,
} from '../../../src/server/formats/parse-sillytavern-chat.js';
import { splitLines } from '../../../src/server/formats/split-lines.js';
import { writeSillyTavernChat } from '../../../src/server/formats/write-sillytavern-chat.js';

const OLD_HEADER = {
  user_name: 'You',
  character_name: 'Seraphina',
  create_date: '2023-5-12 @21h 32m 29s 224ms',
  chat_metadata: { integrity: '4f1c2e8a-0b7d-4c55-9d0e-1a2b3c4d5e6f', tainted: false, variables: { mood: 'calm' } },
  header_unknown: ['kept', 1],
};
const NEW_HEADER = {
  user_name: 'unused',
  character_name: 'unused',
  create_date: '2024-09-28@01h02m03s',
  chat_metadata: { main_chat: 'Seraphina - 2024-09-28@01h02m03s', scenario: 'a glade' },
};

/** Lines as SillyTavern versions of different ages have written them. */
const MESSAGES: Record<string, unknown>[] = [
  {
    name: 'Seraphina',
    is_user: false,
    is_system: false,
    send_date: 'June 19, 2023 2:20pm',
    mes: 'Second greeting',
    extra: {},
    swipe_id: 1,
    swipes: ['First greeting', 'Second greeting'],
    swipe_info: [
      { send_date: 'June 19, 2023 2:20pm', extra: {} },
      { send_date: 'June 19, 2023 2:20pm', extra: { note: 'alt' } },
    ],
    force_avatar: 'characters/Seraphina.png',
  },
  { name: 'You', is_user: true, is_system: false, send_date: 'June 19, 2023 2:21pm', mes: 'Hi there 👋 — ça va?', extra: {} },
  {
    name: 'Seraphina',
    is_user: false,
    is_system: false,
    send_date: '2024-09-28T01:02:03.456Z',
    mes: 'Third try',
    extra: { api: 'openai', model: 'gpt-4o', reasoning: 'thinking…', token_count: 12, bias: null, media: [] },
    swipe_id: 2,
    swipes: ['One', 'Two', 'Third try'],
    swipe_info: [
      { send_date: 'September 28, 2024 1:02am', gen_started: '2024-09-28T01:01:59.000Z', extra: { model: 'a' } },
      { send_date: 'September 28, 2024 1:02am', extra: { model: 'b' } },
      { send_date: 'September 28, 2024 1:02am', extra: { model: 'gpt-4o' } },
    ],
    gen_started: '2024-09-28T01:02:00.000Z',
    gen_finished: '2024-09-28T01:02:03.000Z',
  },
  // Hidden from the prompt with /hide: a user message that is also is_system.
  { name: 'You', is_user: true, is_system: true, send_date: 'September 28, 2024 1:03 AM', mes: 'hidden', extra: {} },
  {
    name: 'SillyTavern System',
    is_user: false,
    is_system: true,
    send_date: 1727485440000,
    mes: 'A system note',
    extra: { type: 'narrator', isSmallSys: true },
  },
  // An old TavernAI-era line: no is_system, no extra, epoch milliseconds.
  { name: 'Seraphina', is_user: false, send_date: 1687184400000, mes: 'Old style', chid: 3 },
  { name: 'Seraphina', is_user: false, is_system: false, send_date: '2023-5-12 @21h 32m 29s 224ms', mes: 'Stamp', extra: {} },
  // Odd values are kept verbatim: a numeric flag, a non-object extra, an unknown "__proto__" key.
  JSON.parse(
    '{"name":"Seraphina","is_user":0,"is_system":false,"send_date":"not a date","mes":"Odd","extra":null,"__proto__":{"x":1}}',
  ) as Record<string, unknown>,
];

const jsonl = (header: unknown, messages: unknown[]) => [header, ...messages].map((o) => JSON.stringify(o)).join('\n');

async function readAll(input: Parameters<typeof parseSillyTavernChat>[0], options?: ParseChatOptions) {
  const reader = await parseSillyTavernChat(input, options);
  const messages: ChatFileMessage[] = [];
  const batchSizes: number[] = [];
  for await (const batch of reader.batches) {
    batchSizes.push(batch.length);
    messages.push(...batch);
  }
  return { reader, messages, batchSizes };
}

async function exportText(reader: Pick<SillyTavernChatReader, 'header'>, messages: ChatFileMessage[]): Promise<string> {
  let text = '';
  for await (const piece of writeSillyTavernChat(reader.header, messages)) text += piece;
  return text;
}

async function assertRefused(reason: ChatErrorReason, input: string) {
  await assert.rejects(parseSillyTavernChat([input]), (error: unknown) => {
    assert.ok(error instanceof ChatFormatError, String(error));
    assert.equal(error.reason, reason, error.message);
    return true;
  });
}

describe('SillyTavern chats: import', () => {
  it('reads the header and maps roles, dates, swipes and extra', async () => {
    const { reader, messages } = await readAll([jsonl(OLD_HEADER, MESSAGES)]);
    assert.equal(reader.header.userName, 'You');
    assert.equal(reader.header.characterName, 'Seraphina');
    assert.equal(reader.header.createdAt, '2023-05-12T21:32:29.224Z');
    assert.deepEqual(reader.header.metadata, OLD_HEADER.chat_metadata);
    assert.deepEqual(reader.header.imported.fields.header_unknown, ['kept', 1]);
    assert.deepEqual(reader.skippedLines, []);
    assert.equal(reader.messageCount, MESSAGES.length);

    // is_system is not a role: it hides the message from the prompt, whoever wrote it.
    assert.deepEqual(
      messages.map((m) => [m.role, m.hidden]),
      [
        ['assistant', false],
        ['user', false],
        ['assistant', false],
        ['user', true],
        ['assistant', true],
        ['assistant', false],
        ['assistant', false],
        ['assistant', false],
      ],
    );
    assert.deepEqual(
      messages.map((m) => m.createdAt),
      [
        '2023-06-19T14:20:00.000Z',
        '2023-06-19T14:21:00.000Z',
        '2024-09-28T01:02:03.456Z',
        '2024-09-28T01:03:00.000Z',
        '2024-09-28T01:04:00.000Z',
        '2023-06-19T14:20:00.000Z',
        '2023-05-12T21:32:29.224Z',
        '2023-05-12T21:32:29.224Z', // unreadable: takes the date before it
      ],
    );
    const [greeting, , reply, hidden, , old, , odd] = messages;
    assert.deepEqual(greeting!.swipes, ['First greeting', 'Second greeting']);
    assert.equal(greeting!.swipeIndex, 1);
    assert.equal(greeting!.content, 'Second greeting');
    assert.deepEqual(greeting!.imported!.fields, { force_avatar: 'characters/Seraphina.png' });
    assert.deepEqual(reply!.extra, MESSAGES[2]!.extra);
    assert.deepEqual(reply!.imported!.swipeInfo, MESSAGES[2]!.swipe_info);
    assert.equal(reply!.imported!.sendDate, '2024-09-28T01:02:03.456Z');
    assert.deepEqual(hidden!.imported!.fields, {});
    assert.deepEqual(old!.swipes, []);
    assert.deepEqual(old!.extra, {});
    assert.deepEqual(old!.imported!.keys, ['name', 'is_user', 'send_date', 'mes', 'chid']);
    assert.equal(odd!.role, 'assistant');
    assert.deepEqual(Object.keys(odd!.imported!.fields), ['__proto__', 'is_user', 'extra']);
  });

  it('reads the newer "unused" header the same way', async () => {
    const { reader, messages } = await readAll([jsonl(NEW_HEADER, MESSAGES.slice(0, 2))]);
    assert.equal(reader.header.userName, 'unused');
    assert.equal(reader.header.createdAt, '2024-09-28T01:02:03.000Z');
    assert.deepEqual(reader.header.metadata, NEW_HEADER.chat_metadata);
    assert.equal(messages.length, 2);
  });

  it('gives the same result whatever the chunking, with a BOM and CRLF line ends', async () => {
    const text = jsonl(OLD_HEADER, MESSAGES);
    const reference = await readAll([text]);
    const bytes = Buffer.from(`\uFEFF${text.replaceAll('\n', '\r\n')}`, 'utf8');
    // One byte at a time splits every multi-byte character and the BOM across chunks.
    const oneByte = await readAll(Readable.from(Array.from(bytes, (b) => Buffer.of(b))));
    const sevenBytes = await readAll(
      Readable.from(Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7))),
    );
    for (const other of [oneByte, sevenBytes]) {
      assert.deepEqual(other.reader.header, reference.reader.header);
      assert.deepEqual(other.messages, reference.messages);
      assert.deepEqual(other.reader.skippedLines, []);
    }
  });

  it('imports up to a cut-off last line and reports it and every malformed line', async () => {
    const lines = [OLD_HEADER, ...MESSAGES.slice(0, 3)].map((o) => JSON.stringify(o));
    lines.splice(2, 0, '{"name":"broken", "mes": "no end');
    lines.splice(3, 0, '[1, 2, 3]');
    lines.splice(4, 0, '{"name":"no text","is_user":false}');
    lines.splice(5, 0, '{"name":"nul","mes":"a\\u0000b"}');
    lines.splice(6, 0, '');
    const full = JSON.stringify(MESSAGES[3]);
    lines.push(full.slice(0, full.length - 15));
    const { reader, messages } = await readAll([lines.join('\n')]);
    assert.deepEqual(
      messages.map((m) => m.content),
      ['Second greeting', 'Hi there 👋 — ça va?', 'Third try'],
    );
    assert.deepEqual(reader.skippedLines, [
      { line: 3, reason: 'not valid JSON (the line may be cut off)' },
      { line: 4, reason: 'not a JSON object' },
      { line: 5, reason: 'no "mes" text' },
      { line: 6, reason: 'contains a NUL character' },
      { line: 10, reason: 'not valid JSON (the line may be cut off)' },
    ]);
    assert.equal(reader.skippedCount, 5);
  });

  it('skips a message text over the message limit and keeps going', async () => {
    const huge = { name: 'x', is_user: false, mes: 'y'.repeat(1_000_001) };
    const { reader, messages } = await readAll([jsonl(OLD_HEADER, [huge, MESSAGES[1]])]);
    assert.equal(messages.length, 1);
    assert.equal(reader.skippedLines[0]!.line, 2);
    assert.match(reader.skippedLines[0]!.reason, /longer than 1,000,000 characters/);
  });

  it('makes mes and swipes agree when a file has them out of step', async () => {
    const lines = [
      { name: 'a', is_user: false, mes: 'edited', swipe_id: 0, swipes: ['original', 'b'] },
      { name: 'a', is_user: false, mes: 'b', swipe_id: 9, swipes: ['a', 'b'] },
      { name: 'a', is_user: false, mes: 'new', swipes: ['a', 'b'] },
    ];
    const { messages } = await readAll([jsonl(OLD_HEADER, lines)]);
    assert.deepEqual(
      messages.map((m) => [m.swipes, m.swipeIndex]),
      [
        [['edited', 'b'], 0],
        [['a', 'b'], 1],
        [['a', 'b', 'new'], 2],
      ],
    );
    for (const m of messages) assert.equal(m.swipes[m.swipeIndex], m.content);
  });

  it('yields batches of the requested size', async () => {
    const many = Array.from({ length: 23 }, (_, i) => ({ name: 'n', is_user: i % 2 === 0, mes: `m${i}` }));
    const { batchSizes, messages } = await readAll([jsonl(OLD_HEADER, many)], { batchSize: 10 });
    assert.deepEqual(batchSizes, [10, 10, 3]);
    assert.deepEqual(
      messages.map((m) => m.content),
      many.map((m) => m.mes),
    );
  });

  it('streams: the header is available before the rest of the file has arrived', async () => {
    let released = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* source() {
      yield `${JSON.stringify(OLD_HEADER)}\n`;
      await gate;
      released = true;
      yield JSON.stringify(MESSAGES[1]);
    }
    const reader = await parseSillyTavernChat(source());
    assert.equal(reader.header.userName, 'You');
    assert.equal(released, false);
    release();
    const batches = [];
    for await (const batch of reader.batches) batches.push(batch);
    assert.equal(batches.flat().length, 1);
  });

  it('refuses files without a usable header', async () => {
    await assertRefused('empty_file', '');
    await assertRefused('empty_file', '\uFEFF\n\n  \n');
    await assertRefused('invalid_header', '{"user_name": "cut');
    await assertRefused('invalid_header', '"just a string"');
    await assertRefused('not_a_chat', JSON.stringify(MESSAGES[1]));
    await assertRefused('invalid_header', '{"user_name":"a\\u0000b"}');
  });
});

describe('SillyTavern chats: hidden messages (is_system)', () => {
  // SillyTavern leaves out of the prompt every message whose is_system is truthy (its coreChat filter).
  const cases: { is_system: unknown; hidden: boolean }[] = [
    { is_system: true, hidden: true },
    { is_system: false, hidden: false },
    { is_system: undefined, hidden: false },
    { is_system: 'true', hidden: true },
    { is_system: 1, hidden: true },
    { is_system: 0, hidden: false },
    { is_system: null, hidden: false },
  ];
  for (const { is_system, hidden } of cases) {
    for (const is_user of [true, false]) {
      it(`is_system ${JSON.stringify(is_system) ?? 'absent'} on a ${is_user ? 'user' : 'character'} line: hidden ${hidden}, exported back byte for byte`, async () => {
        const line = { name: 'N', is_user, ...(is_system !== undefined && { is_system }), send_date: 1727485440000, mes: 'text', extra: {} };
        const original = jsonl(NEW_HEADER, [line]);
        const { reader, messages } = await readAll([original]);
        assert.equal(messages[0]!.hidden, hidden);
        assert.equal(messages[0]!.role, is_user ? 'user' : 'assistant');
        assert.equal(await exportText(reader, messages), original);
      });
    }
  }

  it('hiding or showing a message in Parley writes is_system as SillyTavern reads it', async () => {
    const lines = [
      { name: 'A', is_user: false, is_system: false, mes: 'shown, then hidden' },
      { name: 'A', is_user: false, is_system: true, mes: 'hidden, then shown' },
      { name: 'A', is_user: false, is_system: 'yes', mes: 'odd flag, then shown' },
      { name: 'A', is_user: true, mes: 'no flag, then hidden' },
    ];
    const { reader, messages } = await readAll([jsonl(NEW_HEADER, lines)]);
    const toggled = messages.map((m) => ({ ...m, hidden: !m.hidden }));
    const written = (await exportText(reader, toggled)).split('\n').slice(1).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      written.map((l) => l.is_system),
      [true, false, false, true],
    );
    // A line that had no is_system keeps its shape; the flag rides in the place SillyTavern gives it.
    assert.deepEqual(Object.keys(written[3]!), ['name', 'is_user', 'mes', 'is_system']);
  });
});

describe('SillyTavern chats: export', () => {
  it('gives every imported line back: same objects, same key order, same bytes', async () => {
    for (const header of [OLD_HEADER, NEW_HEADER]) {
      const original = jsonl(header, MESSAGES);
      const { reader, messages } = await readAll([original]);
      const exported = await exportText(reader, messages);
      const originalLines = original.split('\n');
      const exportedLines = exported.split('\n');
      assert.equal(exportedLines.length, originalLines.length);
      exportedLines.forEach((line, i) => assert.deepEqual(JSON.parse(line), JSON.parse(originalLines[i]!), `line ${i + 1}`));
      assert.equal(exported, original);
    }
  });

  it('import -> export -> import keeps every field', async () => {
    const first = await readAll([jsonl(OLD_HEADER, MESSAGES)]);
    const second = await readAll([await exportText(first.reader, first.messages)]);
    assert.deepEqual(second.reader.header, first.reader.header);
    assert.deepEqual(second.messages, first.messages);
  });

  it('writes edits made in Parley: a new swipe stays aligned, a new extra appears, mes == swipes[swipe_id]', async () => {
    const { reader, messages } = await readAll([jsonl(OLD_HEADER, MESSAGES)]);
    const reply = messages[2]!;
    const edited: ChatFileMessage[] = [
      { ...reply, swipes: [...reply.swipes, 'A fourth'], swipeIndex: 3, content: 'A fourth' },
      { ...messages[5]!, swipes: ['Old style', 'regenerated'], swipeIndex: 1, content: 'regenerated', extra: { model: 'm' } },
      { ...messages[1]!, content: 'Edited text' },
    ];
    const lines = (await exportText(reader, edited)).split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const [, withSwipe, oldOne, editedUser] = lines;
    assert.equal(withSwipe!.mes, 'A fourth');
    assert.equal(withSwipe!.swipe_id, 3);
    assert.deepEqual(withSwipe!.swipes, ['One', 'Two', 'Third try', 'A fourth']);
    const info = withSwipe!.swipe_info as { send_date: unknown }[];
    assert.equal(info.length, 4);
    assert.deepEqual(info.slice(0, 3), MESSAGES[2]!.swipe_info);
    assert.equal(info[3]!.send_date, '2024-09-28T01:02:03.456Z');
    assert.deepEqual(oldOne!.swipes, ['Old style', 'regenerated']);
    assert.equal(oldOne!.mes, 'regenerated');
    assert.equal(oldOne!.swipe_id, 1);
    assert.equal((oldOne!.swipe_info as unknown[]).length, 2);
    assert.deepEqual(oldOne!.extra, { model: 'm' });
    assert.equal(oldOne!.chid, 3);
    assert.equal(editedUser!.mes, 'Edited text');
  });

  it('writes a chat made in Parley in the shape SillyTavern loads', async () => {
    const made: ChatFileMessage[] = [
      {
        role: 'assistant',
        name: 'Seraphina',
        content: 'Hello',
        swipes: ['Hello', 'Hi'],
        swipeIndex: 0,
        createdAt: '2025-01-02T03:04:05.000Z',
        extra: { api: 'openai' },
        hidden: false,
      },
      { role: 'user', name: 'Me', content: 'Hey', swipes: [], swipeIndex: 0, createdAt: '2025-01-02T03:05:00.000Z', extra: {}, hidden: false },
      // Out of step on purpose: the writer must still make mes == swipes[swipe_id].
      { role: 'assistant', name: 'S', content: 'shown', swipes: ['x', 'y'], swipeIndex: 5, createdAt: '2025-01-02T03:06:00.000Z', extra: {}, hidden: false },
    ];
    const header = { metadata: { integrity: 'abc' }, userName: 'Me', characterName: 'Seraphina', createdAt: '2025-01-02T03:04:00.000Z' };
    const text = await exportText({ header: { ...header, imported: undefined } as never }, made);
    assert.ok(!text.endsWith('\n'));
    const [head, ...lines] = text.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(head, { user_name: 'Me', character_name: 'Seraphina', create_date: '2025-01-02@03h04m00s', chat_metadata: { integrity: 'abc' } });
    assert.deepEqual(lines[0], {
      name: 'Seraphina',
      is_user: false,
      is_system: false,
      send_date: '2025-01-02T03:04:05.000Z',
      mes: 'Hello',
      extra: { api: 'openai' },
      swipe_id: 0,
      swipes: ['Hello', 'Hi'],
      swipe_info: [
        { send_date: '2025-01-02T03:04:05.000Z', extra: {} },
        { send_date: '2025-01-02T03:04:05.000Z', extra: {} },
      ],
    });
    assert.deepEqual(Object.keys(lines[1]!), ['name', 'is_user', 'is_system', 'send_date', 'mes', 'extra']);
    assert.equal(lines[2]!.swipe_id, 1);
    assert.deepEqual(lines[2]!.swipes, ['x', 'shown']);
    // And it imports back into Parley with the same content.
    const back = await readAll([text]);
    assert.deepEqual(
      back.messages.map((m) => [m.role, m.content, m.swipes, m.createdAt]),
      [
        ['assistant', 'Hello', ['Hello', 'Hi'], '2025-01-02T03:04:05.000Z'],
        ['user', 'Hey', [], '2025-01-02T03:05:00.000Z'],
        ['assistant', 'shown', ['x', 'shown'], '2025-01-02T03:06:00.000Z'],
      ],
    );
  });
});

describe('line splitting', () => {
  it('reports a line over the limit without keeping it, and goes on', async () => {
    const chunks = ['short\nabc', 'defghijklmnop', 'qrstu\nok\r\n', 'last'];
    const lines = [];
    for await (const line of splitLines(chunks, 10)) lines.push(line);
    assert.deepEqual(lines, [
      { number: 1, text: 'short' },
      { number: 2, text: null },
      { number: 3, text: 'ok' },
      { number: 4, text: 'last' },
    ]);
  });
});

describe('SillyTavern chats: a 50,000-message import', () => {
  const dir = mkdtemp(join(tmpdir(), 'parley-chat-'));
  after(async () => rm(await dir, { recursive: true, force: true }));

  it('streams from a file in well under the time SillyTavern takes to save it', async () => {
    const count = 50_000;
    const filler = 'The forest hums with old magic, and Seraphina tends the glade. '.repeat(4);
    const lines = [JSON.stringify(NEW_HEADER)];
    for (let i = 0; i < count; i++) {
      lines.push(
        JSON.stringify({
          name: i % 2 ? 'Seraphina' : 'You',
          is_user: i % 2 === 0,
          is_system: false,
          send_date: 'September 28, 2024 1:02am',
          mes: `${i}: ${filler}`,
          extra: i % 2 ? { api: 'openai', model: 'gpt-4o', token_count: 80 } : {},
        }),
      );
    }
    const file = join(await dir, 'big.jsonl');
    const text = lines.join('\n');
    await writeFile(file, text);

    const started = process.hrtime.bigint();
    const { reader, messages } = await readAll(createReadStream(file));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(
      `# imported ${count.toLocaleString('en')} messages (${(text.length / 1e6).toFixed(1)} MB, ` +
        `~${Math.round(text.length / count)} bytes each) in ${ms.toFixed(0)} ms`,
    );
    assert.equal(messages.length, count);
    assert.equal(reader.skippedCount, 0);
    assert.equal(messages[count - 1]!.content.startsWith(`${count - 1}: `), true);

    const exportStarted = process.hrtime.bigint();
    let bytes = 0;
    for await (const piece of writeSillyTavernChat(reader.header, messages)) bytes += Buffer.byteLength(piece);
    const exportMs = Number(process.hrtime.bigint() - exportStarted) / 1e6;
    console.log(`# exported them in ${exportMs.toFixed(0)} ms`);
    assert.equal(bytes, Buffer.byteLength(text));
  });
});
