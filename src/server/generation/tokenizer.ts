import type { TokenizerInfo } from '../../shared/api/generation.js';

/** Counts tokens synchronously, so prompt assembly stays a pure function of its input. */
export interface Tokenizer {
  readonly info: TokenizerInfo;
  count(text: string): number;
}

type EncodingName = 'o200k_base' | 'cl100k_base' | 'p50k_base' | 'p50k_edit' | 'r50k_base' | 'gpt2';

interface Encoding {
  countTokens(text: string, options: { allowedSpecial: 'all' }): number;
}

/*
 * Each encoding is imported on first use only: o200k_base costs ~65 MB and ~100 ms to load, and the server must
 * start fast and idle small. The module system caches the import, so later loads are free.
 */
const encodings: Record<EncodingName, () => Promise<Encoding>> = {
  o200k_base: () => import('gpt-tokenizer/encoding/o200k_base'),
  cl100k_base: () => import('gpt-tokenizer/encoding/cl100k_base'),
  p50k_base: () => import('gpt-tokenizer/encoding/p50k_base'),
  p50k_edit: () => import('gpt-tokenizer/encoding/p50k_edit'),
  r50k_base: () => import('gpt-tokenizer/encoding/r50k_base'),
  gpt2: () => import('gpt-tokenizer/encoding/gpt2'),
};

/** Model families of OpenAI whose tokenizer is o200k_base unless gpt-tokenizer's map names an older one. */
const OPENAI_MODEL = /^(?:gpt-|chatgpt-|o\d+(?:-|$)|text-|code-|davinci|babbage|curie|ada$)/i;

/**
 * The estimate for every other model (Llama, Mistral, Qwen, Gemma, ... served locally or through OpenRouter).
 * Their own tokenizers are not shipped in npm, so cl100k_base stands in: Llama 3's vocabulary is cl100k_base plus
 * 28k tokens, so it counts Llama 3 English text within a few percent; SentencePiece models (Llama 2, Mistral 7B)
 * use ~10-20% more tokens than it says, which is why the inspector labels the count an estimate.
 */
const ESTIMATE_ENCODING: EncodingName = 'cl100k_base';

let mapping: Promise<typeof import('gpt-tokenizer/mapping')> | undefined;

/** Which encoding counts for a model name, and whether that count is the model's own. */
export async function resolveEncoding(model: string): Promise<{ encoding: EncodingName; exact: boolean }> {
  const bare = model.trim().replace(/^openai\//i, '');
  if (!OPENAI_MODEL.test(bare)) return { encoding: ESTIMATE_ENCODING, exact: false };
  const { modelToEncodingMap } = await (mapping ??= import('gpt-tokenizer/mapping'));
  const mapped = (modelToEncodingMap as Record<string, string>)[bare.toLowerCase()];
  // o200k_harmony (gpt-oss) has o200k_base's ranks plus chat markers: counting with o200k_base keeps one
  // encoding in memory for every current OpenAI model.
  if (mapped === undefined || mapped === 'o200k_harmony') return { encoding: 'o200k_base', exact: true };
  return { encoding: mapped as EncodingName, exact: true };
}

/*
 * The encodings already loaded. A dynamic import() of a loaded module still costs a trip through the module loader
 * (about a millisecond under a loader hook) on the way to every first token, so each is imported once.
 */
const loaded: Partial<Record<EncodingName, Promise<Encoding>>> = {};

/** How many characters of counted texts are kept with their counts, per encoding (a few MB at most). */
const COUNTED_CHARS_KEPT = 1_000_000;

/**
 * Counts made before, per encoding: every reply's prompt counts its card, system prompt and chat history again, the
 * same texts as the last reply's but one or two, and counting them (byte-pair encoding) cost a tenth of the server's
 * CPU on the way to a first token. The texts used least recently go first once more than `maxChars` are kept.
 */
export class KeptCounts {
  readonly #counts = new Map<string, number>();
  #chars = 0;

  constructor(readonly maxChars = COUNTED_CHARS_KEPT) {}

  count(text: string, tokenize: (text: string) => number): number {
    const kept = this.#counts.get(text);
    if (kept !== undefined) {
      // Moved to the end: the Map's order is the order of use.
      this.#counts.delete(text);
      this.#counts.set(text, kept);
      return kept;
    }
    const n = tokenize(text);
    if (text.length > this.maxChars) return n;
    this.#counts.set(text, n);
    this.#chars += text.length;
    for (const oldest of this.#counts.keys()) {
      if (this.#chars <= this.maxChars) break;
      this.#counts.delete(oldest);
      this.#chars -= oldest.length;
    }
    return n;
  }
}

const keptCounts: Partial<Record<EncodingName, KeptCounts>> = {};

/** The tokenizer for a model: its own for OpenAI models, the documented estimate otherwise. `counts`: where its
 *  counts are kept, if not with every other tokenizer of its encoding (a benchmark's first prompt after a start). */
export async function loadTokenizer(model: string, counts?: KeptCounts): Promise<Tokenizer> {
  const { encoding, exact } = await resolveEncoding(model);
  const api = await (loaded[encoding] ??= encodings[encoding]());
  const label = exact ? encoding : `${encoding} (estimate for ${model.trim() || 'an unnamed model'})`;
  const kept = counts ?? (keptCounts[encoding] ??= new KeptCounts());
  // Template markers such as <|im_start|> count as the single tokens they are for the models that use them.
  const tokenize = (text: string) => api.countTokens(text, { allowedSpecial: 'all' });
  return { info: { name: encoding, exact, label }, count: (text) => (text ? kept.count(text, tokenize) : 0) };
}
