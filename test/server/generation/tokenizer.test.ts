import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { KeptCounts, loadTokenizer, resolveEncoding } from '../../../src/server/generation/tokenizer.js';

describe('tokenizer choice', () => {
  test("OpenAI models count with their own encoding (OpenRouter's openai/ prefix too)", async () => {
    assert.deepEqual(await resolveEncoding('gpt-4o'), { encoding: 'o200k_base', exact: true });
    assert.deepEqual(await resolveEncoding('openai/gpt-4o-mini'), { encoding: 'o200k_base', exact: true });
    assert.deepEqual(await resolveEncoding('o3-mini'), { encoding: 'o200k_base', exact: true });
    assert.deepEqual(await resolveEncoding('gpt-oss-20b'), { encoding: 'o200k_base', exact: true });
    assert.deepEqual(await resolveEncoding('gpt-4'), { encoding: 'cl100k_base', exact: true });
    assert.deepEqual(await resolveEncoding('gpt-3.5-turbo'), { encoding: 'cl100k_base', exact: true });
  });

  test('every other model gets the cl100k_base estimate, and says so', async () => {
    for (const model of ['llama-3-8b-instruct', 'mistralai/mistral-nemo', 'qwen2.5:7b', 'ollama-model', '']) {
      assert.deepEqual(await resolveEncoding(model), { encoding: 'cl100k_base', exact: false }, model);
    }
    const tokenizer = await loadTokenizer('llama-3-8b-instruct');
    assert.deepEqual(tokenizer.info, { name: 'cl100k_base', exact: false, label: 'cl100k_base (estimate for llama-3-8b-instruct)' });
  });

  test('counts real tokens, template markers as single tokens, and never throws on special-token text', async () => {
    const tokenizer = await loadTokenizer('gpt-4o');
    assert.equal(tokenizer.count(''), 0);
    assert.equal(tokenizer.count('hello world'), 2);
    assert.equal(tokenizer.count('<|endoftext|>'), 1);
    assert.ok(tokenizer.count('Seraphina tends the glade. '.repeat(100)) > 400);
  });

  test('the encodings load on first use only, not when the generation modules are imported', () => {
    const script = `
      const before = process.memoryUsage().rss;
      await import('./src/server/generation/prompt-assembly.ts');
      await import('./src/server/generation/stream-completion.ts');
      const imported = process.memoryUsage().rss - before;
      const { loadTokenizer } = await import('./src/server/generation/tokenizer.ts');
      (await loadTokenizer('gpt-4o')).count('hello');
      console.log(JSON.stringify({ imported, loaded: process.memoryUsage().rss - before }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    const { imported, loaded } = JSON.parse(out) as { imported: number; loaded: number };
    // o200k_base weighs ~65 MB: had an import pulled it in, the first use would cost next to nothing.
    assert.ok(loaded - imported > 30e6, `the first use added only ${((loaded - imported) / 1e6).toFixed(1)} MB`);
  });
});

test('a text counted before is not tokenized again; the texts used least recently go past the bound', () => {
  const tokenized: string[] = [];
  const tokenize = (text: string) => {
    tokenized.push(text);
    return text.length;
  };
  const kept = new KeptCounts(10);
  assert.equal(kept.count('aaaaa', tokenize), 5);
  assert.equal(kept.count('aaaaa', tokenize), 5);
  kept.count('bbbbb', tokenize);
  kept.count('aaaaa', tokenize);
  // Over the bound: 'bbbbb', used least recently, goes.
  kept.count('ccccc', tokenize);
  kept.count('aaaaa', tokenize);
  kept.count('bbbbb', tokenize);
  // Longer than the bound: counted, never kept.
  kept.count('dddddddddddd', tokenize);
  kept.count('dddddddddddd', tokenize);
  assert.deepEqual(tokenized, ['aaaaa', 'bbbbb', 'ccccc', 'bbbbb', 'dddddddddddd', 'dddddddddddd']);
});
