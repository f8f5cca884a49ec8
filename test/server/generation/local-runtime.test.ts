// Pins the contract local models rely on: the runtime `npm run local-models` installs loads from Parley's folder
// without compiling, and streams from the tiny test model. Parley's own use of it is tested through the server.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '../../support/test-server.js';
import { writeTinyGguf } from '../../support/tiny-gguf.js';

const RUNTIME_ENTRY = fileURLToPath(new URL('../../../.local-models/node_modules/node-llama-cpp/dist/index.js', import.meta.url));

// The calls used here; node-llama-cpp's own types are not in Parley's node_modules.
interface CompletionResult {
  response: string;
  metadata: { stopReason: string };
}
interface Runtime {
  getLlama(options: { gpu: false; build: 'never'; logLevel: 'error' }): Promise<Llama>;
  LlamaCompletion: new (options: { contextSequence: unknown }) => {
    generateCompletionWithMeta(
      prompt: string,
      options: { maxTokens: number; temperature: number; seed: number; onTextChunk: (text: string) => void },
    ): Promise<CompletionResult>;
  };
}
interface Llama {
  loadModel(options: { modelPath: string; gpuLayers: number }): Promise<{
    createContext(options: { contextSize: number; threads: number }): Promise<{ getSequence(): unknown }>;
  }>;
  /** Disposes its models and contexts too. */
  dispose(): Promise<void>;
}

test(
  'the installed node-llama-cpp streams from the tiny model on the CPU',
  { skip: !existsSync(RUNTIME_ENTRY) && 'node-llama-cpp is not installed: npm run local-models', timeout: 60_000 },
  async () => {
    const runtime = (await import(pathToFileURL(RUNTIME_ENTRY).href)) as Runtime;
    const dir = tempDir('parley-gguf-');
    const modelPath = join(dir, 'tiny.gguf');
    writeTinyGguf(modelPath);
    const llama = await runtime.getLlama({ gpu: false, build: 'never', logLevel: 'error' });
    try {
      const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
      const context = await model.createContext({ contextSize: 256, threads: 1 });
      const completion = new runtime.LlamaCompletion({ contextSequence: context.getSequence() });
      const chunks: string[] = [];
      const result = await completion.generateCompletionWithMeta('Once upon a time', {
        maxTokens: 20,
        temperature: 0.8,
        seed: 42,
        onTextChunk: (text) => chunks.push(text),
      });
      assert.equal(result.metadata.stopReason, 'maxTokens');
      assert.ok(chunks.length > 1, `streamed in ${chunks.length} chunk(s)`);
      assert.equal(chunks.join(''), result.response);
      assert.ok(result.response.length > 0);
    } finally {
      await llama.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
