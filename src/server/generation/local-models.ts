import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConnectionTestResult } from '../../shared/api/generation.js';
import { PACKAGE_ROOT } from '../package-root.js';
import type { CompletionRequest, StreamOptions, StreamOutcome } from './stream-completion.js';
import { UpstreamError } from './upstream-error.js';

/** Where `npm run local-models` (scripts/install-local-models.mjs) puts the optional runtime. */
export const LOCAL_RUNTIME_ENTRY = join(PACKAGE_ROOT, '.local-models/node_modules/node-llama-cpp/dist/index.js');
const INSTALL_HINT = 'Install it once with `npm run local-models`, then test again.';

/*
 * The part of node-llama-cpp 3.21 that Parley calls. The package is an optional install outside Parley's own
 * node_modules, so its types are not at hand; these are checked by the tests that run it.
 */
interface LlamaModule {
  getLlama(options: { gpu: 'auto'; build: 'never'; logLevel: 'error'; progressLogs: false }): Promise<Llama>;
  LlamaCompletion: new (options: { contextSequence: unknown }) => LlamaCompletion;
  readGgufFileInfo(
    path: string,
    options: { readTensorInfo: false; sourceType: 'filesystem'; logWarnings: false; ignoreKeys: string[] },
  ): Promise<{ architectureMetadata: { context_length?: unknown } }>;
}
interface Llama {
  loadModel(options: { modelPath: string }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}
interface LlamaModel {
  readonly trainContextSize: number;
  createContext(options: { contextSize: number; threads?: number }): Promise<LlamaContext>;
  dispose(): Promise<void>;
}
interface LlamaContext {
  getSequence(): unknown;
  dispose(): Promise<void>;
}
interface LlamaCompletion {
  generateCompletionWithMeta(
    prompt: string,
    options: {
      maxTokens: number;
      temperature: number;
      topK?: number;
      topP?: number;
      minP?: number;
      repeatPenalty: false | { penalty: number };
      customStopTriggers?: string[];
      signal?: AbortSignal;
      stopOnAbortSignal: true;
      onTextChunk: (text: string) => void;
    },
  ): Promise<{ response: string; metadata: { stopReason: string } }>;
}

interface LoadedModel {
  file: string;
  contextSize: number;
  model: LlamaModel;
  context: LlamaContext;
  completion: LlamaCompletion;
}

/**
 * GGUF files of the models folder, run inside this process by node-llama-cpp. One model is kept loaded (a model
 * is gigabytes: switching loads the new one and frees the old), and it writes one reply at a time; others queue.
 * The folder is the operator's: a profile names a file, and only a name found in the folder's listing is opened.
 */
export class LocalModels {
  readonly dir: string;
  /** 0: node-llama-cpp's default, one per core. */
  readonly #threads: number;
  #runtime: Promise<{ module: LlamaModule; llama: Llama }> | null = null;
  #loaded: LoadedModel | null = null;
  /** Trained context sizes read from GGUF headers, by path; `key` (size and mtime) tells a replaced file. */
  readonly #trained = new Map<string, { key: string; size: number | undefined }>();
  /** The tail of the queue of generations; each waits for the one before. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: { dir: string; threads: number }) {
    this.dir = options.dir;
    this.#threads = options.threads;
  }

  /** The .gguf files in the folder, by name; none when the folder does not exist. */
  async list(): Promise<string[]> {
    try {
      const entries = await readdir(this.dir, { withFileTypes: true });
      return entries
        .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.gguf'))
        .map((e) => e.name)
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new UpstreamError('server_error', `The models folder ${this.dir} cannot be read: ${(error as Error).message}`);
    }
  }

  /** The connection test: the runtime is installed, the folder has model files, the chosen one is a GGUF file. */
  async test(model: string): Promise<ConnectionTestResult> {
    const started = performance.now();
    const result = (ok: boolean, message: string, models: string[], extra: Partial<ConnectionTestResult> = {}) => ({
      ok,
      message,
      models,
      latencyMs: Math.round(performance.now() - started),
      ...extra,
    });
    try {
      await this.#load();
      const models = await this.list();
      if (models.length === 0) {
        return result(false, `The models folder ${this.dir} has no .gguf files: put one there, then test again.`, [], { failure: 'not_found' });
      }
      if (model && !models.includes(model)) {
        return result(true, `node-llama-cpp is ready; ${models.length} model files.`, models, {
          warning: `"${model}" is not in the models folder (${this.dir}).`,
        });
      }
      if (model) await this.#checkGguf(model);
      return result(true, `node-llama-cpp is ready; ${models.length} model file${models.length === 1 ? '' : 's'} in ${this.dir}.`, models);
    } catch (error) {
      if (!(error instanceof UpstreamError)) throw error;
      return result(false, error.message, [], { failure: error.failure });
    }
  }

  /**
   * The context size the model file was trained for (from its GGUF header), or undefined when it cannot be told.
   * Prompts are built to fit it: node-llama-cpp would otherwise cut a longer prompt from the front, character
   * description first, without a word.
   */
  async trainedContext(name: string): Promise<number | undefined> {
    try {
      const file = await this.#file(name);
      const { size, mtimeMs } = await stat(file);
      const key = `${size}:${mtimeMs}`;
      const known = this.#trained.get(file);
      if (known?.key === key) return known.size;
      const { module } = await this.#load();
      const info = await module.readGgufFileInfo(file, {
        readTensorInfo: false,
        sourceType: 'filesystem',
        logWarnings: false,
        // The vocabulary is most of a header and not needed here.
        ignoreKeys: ['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges'],
      });
      const length = info.architectureMetadata.context_length;
      const trained = typeof length === 'number' && length > 0 ? length : undefined;
      this.#trained.set(file, { key, size: trained });
      return trained;
    } catch {
      // No runtime, no such file, not GGUF: the generation itself says so.
      return undefined;
    }
  }

  /** Streams a completion of a text prompt; resolves or rejects like streamCompletion does for HTTP backends. */
  stream(request: CompletionRequest, options: StreamOptions): Promise<StreamOutcome> {
    const turn = this.#queue.then(() => this.#generate(request, options));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Frees the model and the runtime (at shutdown, after the generations have stopped). */
  async close(): Promise<void> {
    const runtime = this.#runtime;
    this.#runtime = null;
    this.#loaded = null;
    if (runtime) await (await runtime.catch(() => null))?.llama.dispose();
  }

  async #generate(request: CompletionRequest, options: StreamOptions): Promise<StreamOutcome> {
    if (options.signal?.aborted) return { text: '', reasoning: '', finishReason: null, stopped: true, usage: null };
    if (request.prompt.kind !== 'text') throw new UpstreamError('bad_request', 'A model file in Parley takes a text prompt.');
    const { settings } = request;
    const loaded = await this.#model(request.target.model, settings.context_size);
    let text = '';
    const stop = [...settings.stop, ...request.stop];
    try {
      const { metadata } = await loaded.completion.generateCompletionWithMeta(request.prompt.prompt, {
        maxTokens: settings.max_tokens,
        temperature: settings.temperature,
        // The neutral values mean "off", as for HTTP backends.
        ...(settings.top_k > 0 && { topK: settings.top_k }),
        ...(settings.top_p < 1 && { topP: settings.top_p }),
        ...(settings.min_p > 0 && { minP: settings.min_p }),
        repeatPenalty: settings.repetition_penalty !== 1 && { penalty: settings.repetition_penalty },
        ...(stop.length > 0 && { customStopTriggers: stop }),
        ...(options.signal && { signal: options.signal }),
        stopOnAbortSignal: true,
        onTextChunk: (chunk) => {
          text += chunk;
          options.onText(chunk);
        },
      });
      if (metadata.stopReason === 'abort') return { text, reasoning: '', finishReason: null, stopped: true, usage: null };
      return { text, reasoning: '', finishReason: metadata.stopReason === 'maxTokens' ? 'length' : 'stop', stopped: false, usage: null };
    } catch (error) {
      if (options.signal?.aborted) return { text, reasoning: '', finishReason: null, stopped: true, usage: null };
      throw new UpstreamError('server_error', `The local model failed: ${(error as Error).message}`, { partialText: text });
    }
  }

  /** The named model, loaded with a context of the profile's size (at most what the model was trained on). */
  async #model(name: string, contextSize: number): Promise<LoadedModel> {
    const { module, llama } = await this.#load();
    const file = await this.#file(name);
    let loaded = this.#loaded;
    this.#loaded = null;
    let model: LlamaModel | undefined;
    try {
      if (loaded && loaded.file !== file) {
        await loaded.model.dispose();
        loaded = null;
      }
      model = loaded?.model ?? (await llama.loadModel({ modelPath: file }));
      const size = Math.min(contextSize, model.trainContextSize);
      if (loaded?.contextSize === size) return (this.#loaded = loaded);
      // Another context size needs only a new context: the model (gigabytes) stays loaded.
      await loaded?.context.dispose();
      const context = await model.createContext({ contextSize: size, ...(this.#threads > 0 && { threads: this.#threads }) });
      const completion = new module.LlamaCompletion({ contextSequence: context.getSequence() });
      return (this.#loaded = { file, contextSize: size, model, context, completion });
    } catch (error) {
      await model?.dispose().catch(() => undefined);
      throw new UpstreamError('server_error', `The model file "${name}" could not be loaded: ${(error as Error).message}`);
    }
  }

  /** The path of a file the folder lists under that name; the name itself never becomes a path. */
  async #file(name: string): Promise<string> {
    if (!name) throw new UpstreamError('bad_request', 'Pick a model file for this connection: Test connection lists the models folder.');
    const listed = (await this.list()).find((entry) => entry === name);
    if (!listed) throw new UpstreamError('not_found', `There is no model file "${name}" in the models folder (${this.dir}).`);
    return join(this.dir, listed);
  }

  async #checkGguf(name: string): Promise<void> {
    const handle = await open(await this.#file(name), 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
      if (bytesRead < 4 || buffer.toString('latin1') !== 'GGUF') {
        throw new UpstreamError('invalid_response', `"${name}" is not a GGUF model file.`);
      }
    } finally {
      await handle.close();
    }
  }

  #load(): Promise<{ module: LlamaModule; llama: Llama }> {
    this.#runtime ??= (async () => {
      let module: LlamaModule;
      try {
        module = (await import(pathToFileURL(LOCAL_RUNTIME_ENTRY).href)) as LlamaModule;
      } catch {
        throw new UpstreamError('not_found', `Model files need node-llama-cpp, which is not installed. ${INSTALL_HINT}`);
      }
      try {
        return { module, llama: await module.getLlama({ gpu: 'auto', build: 'never', logLevel: 'error', progressLogs: false }) };
      } catch (error) {
        throw new UpstreamError('server_error', `node-llama-cpp could not start: ${(error as Error).message}. ${INSTALL_HINT}`);
      }
    })();
    // A failed load is tried again next time (the operator may have installed the runtime meanwhile).
    this.#runtime.catch(() => (this.#runtime = null));
    return this.#runtime;
  }
}
