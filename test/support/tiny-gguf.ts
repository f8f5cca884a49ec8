// Writes a tiny random-weight llama model as a GGUF file (~0.5 MB, all F32), so local-model tests need no download:
// llama.cpp loads and samples from it like from a real model, it just writes nonsense.
import { writeFileSync } from 'node:fs';

const EMBEDDING = 64;
const LAYERS = 2;
const HEADS = 4;
const FEED_FORWARD = 128;
const ALIGNMENT = 32;

// GGUF metadata value types (the ones used here).
const UINT32 = 4;
const INT32 = 5;
const FLOAT32 = 6;
const BOOL = 7;
const STRING = 8;
const ARRAY = 9;
// Token types.
const NORMAL = 1;
const CONTROL = 3;

class GgufWriter {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  bytes(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }

  uint32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32LE(value);
    this.bytes(buffer);
  }

  int32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32LE(value);
    this.bytes(buffer);
  }

  uint64(value: number): void {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt(value));
    this.bytes(buffer);
  }

  float32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeFloatLE(value);
    this.bytes(buffer);
  }

  string(value: string): void {
    const buffer = Buffer.from(value, 'utf8');
    this.uint64(buffer.length);
    this.bytes(buffer);
  }

  padTo(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    if (padding > 0) this.bytes(Buffer.alloc(padding));
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** A metadata value: writes its type tag, then itself. */
type MetadataValue = (writer: GgufWriter) => void;

const uint32 = (value: number): MetadataValue => (writer) => {
  writer.uint32(UINT32);
  writer.uint32(value);
};
const float32 = (value: number): MetadataValue => (writer) => {
  writer.uint32(FLOAT32);
  writer.float32(value);
};
const bool = (value: boolean): MetadataValue => (writer) => {
  writer.uint32(BOOL);
  writer.bytes(Buffer.from([value ? 1 : 0]));
};
const string = (value: string): MetadataValue => (writer) => {
  writer.uint32(STRING);
  writer.string(value);
};
const strings = (values: string[]): MetadataValue => (writer) => {
  writer.uint32(ARRAY);
  writer.uint32(STRING);
  writer.uint64(values.length);
  for (const value of values) writer.string(value);
};
const int32s = (values: number[]): MetadataValue => (writer) => {
  writer.uint32(ARRAY);
  writer.uint32(INT32);
  writer.uint64(values.length);
  for (const value of values) writer.int32(value);
};

/** GPT-2's byte-level BPE spells each byte as a printable character; llama.cpp's "gpt2" tokenizer expects tokens so. */
function gpt2ByteToCharacter(): string[] {
  const printable: number[] = [];
  for (let byte = 33; byte <= 126; byte++) printable.push(byte);
  for (let byte = 161; byte <= 172; byte++) printable.push(byte);
  for (let byte = 174; byte <= 255; byte++) printable.push(byte);
  const characters: string[] = [];
  let shifted = 0;
  for (let byte = 0; byte < 256; byte++) {
    characters.push(String.fromCodePoint(printable.includes(byte) ? byte : 256 + shifted++));
  }
  return characters;
}

/** 256 byte tokens, a few merges and <|endoftext|>: any text tokenizes, and no vocab file is needed. */
function byteLevelVocab() {
  const tokens = gpt2ByteToCharacter();
  // llama.cpp refuses a BPE vocab without merges; each merge's result must itself be a token. "Ġ" is the space.
  const mergePairs = [['Ġ', 't'], ['h', 'e'], ['i', 'n'], ['Ġ', 'a'], ['e', 'r'], ['o', 'n'], ['Ġt', 'he'], ['r', 'e'], ['Ġ', 's'], ['a', 't']];
  const merges = mergePairs.map(([left, right]) => `${left} ${right}`);
  tokens.push(...mergePairs.map(([left, right]) => `${left}${right}`));
  const endOfText = tokens.length;
  tokens.push('<|endoftext|>');
  return {
    tokens,
    merges,
    endOfText,
    types: tokens.map((_, id) => (id === endOfText ? CONTROL : NORMAL)),
    // Newline, printable ASCII and the merges (which are made of printable ASCII).
    isPrintable: (id: number) => (id > 255 ? id !== endOfText : id === 10 || (id >= 32 && id <= 126)),
  };
}

/** mulberry32: a small seeded PRNG, so the same seed writes the same model. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tensor {
  name: string;
  /** ggml order: the first dimension is the contiguous one. */
  dims: number[];
  valueAt: (index: number) => number;
}

export interface TinyGgufOptions {
  /** Same seed, same weights. Default 1. */
  seed?: number;
  /** The context the model claims it was trained for (llama.context_length); callers ask up to this much. Default 256. */
  contextLength?: number;
}

export function writeTinyGguf(path: string, options: TinyGgufOptions = {}): void {
  const random = seededRandom(options.seed ?? 1);
  // Box-Muller: roughly normal weights, like a freshly initialised model.
  const normal = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const vocab = byteLevelVocab();
  const vocabSize = vocab.tokens.length;
  const headSize = EMBEDDING / HEADS;

  const tensors: Tensor[] = [];
  const randomTensor = (name: string, dims: number[], deviation = 0.02) =>
    tensors.push({ name, dims, valueAt: () => normal() * deviation });
  const onesTensor = (name: string, dims: number[]) => tensors.push({ name, dims, valueAt: () => 1 });

  randomTensor('token_embd.weight', [EMBEDDING, vocabSize], 1);
  onesTensor('output_norm.weight', [EMBEDDING]);
  // Its own output head (not tied to token_embd, with which a random model just repeats the previous token), scaled so
  // the logits vary enough to sample varied text. Rows of non-printable tokens are zero, so sampled text is (almost
  // always) readable ASCII rather than broken UTF-8, and <|endoftext|> is rarely sampled: generation runs to maxTokens.
  tensors.push({
    name: 'output.weight',
    dims: [EMBEDDING, vocabSize],
    valueAt: (index) => (vocab.isPrintable(Math.floor(index / EMBEDDING)) ? (normal() * 3) / Math.sqrt(EMBEDDING) : 0),
  });
  for (let layer = 0; layer < LAYERS; layer++) {
    onesTensor(`blk.${layer}.attn_norm.weight`, [EMBEDDING]);
    randomTensor(`blk.${layer}.attn_q.weight`, [EMBEDDING, EMBEDDING]);
    randomTensor(`blk.${layer}.attn_k.weight`, [EMBEDDING, EMBEDDING]);
    randomTensor(`blk.${layer}.attn_v.weight`, [EMBEDDING, EMBEDDING]);
    randomTensor(`blk.${layer}.attn_output.weight`, [EMBEDDING, EMBEDDING]);
    onesTensor(`blk.${layer}.ffn_norm.weight`, [EMBEDDING]);
    randomTensor(`blk.${layer}.ffn_gate.weight`, [EMBEDDING, FEED_FORWARD]);
    randomTensor(`blk.${layer}.ffn_down.weight`, [FEED_FORWARD, EMBEDDING]);
    randomTensor(`blk.${layer}.ffn_up.weight`, [EMBEDDING, FEED_FORWARD]);
  }

  const metadata: [string, MetadataValue][] = [
    ['general.architecture', string('llama')],
    ['general.name', string('tiny-random-llama')],
    ['general.alignment', uint32(ALIGNMENT)],
    ['general.file_type', uint32(0)], // all F32
    ['llama.context_length', uint32(options.contextLength ?? 256)],
    ['llama.embedding_length', uint32(EMBEDDING)],
    ['llama.block_count', uint32(LAYERS)],
    ['llama.feed_forward_length', uint32(FEED_FORWARD)],
    ['llama.attention.head_count', uint32(HEADS)],
    ['llama.attention.head_count_kv', uint32(HEADS)],
    ['llama.attention.layer_norm_rms_epsilon', float32(1e-5)],
    ['llama.rope.dimension_count', uint32(headSize)],
    ['llama.rope.freq_base', float32(10000)],
    ['llama.vocab_size', uint32(vocabSize)],
    ['tokenizer.ggml.model', string('gpt2')],
    ['tokenizer.ggml.pre', string('default')],
    ['tokenizer.ggml.tokens', strings(vocab.tokens)],
    ['tokenizer.ggml.token_type', int32s(vocab.types)],
    ['tokenizer.ggml.merges', strings(vocab.merges)],
    ['tokenizer.ggml.bos_token_id', uint32(vocab.endOfText)],
    ['tokenizer.ggml.eos_token_id', uint32(vocab.endOfText)],
    ['tokenizer.ggml.add_bos_token', bool(false)],
  ];

  const writer = new GgufWriter();
  writer.bytes(Buffer.from('GGUF', 'ascii'));
  writer.uint32(3); // GGUF version
  writer.uint64(tensors.length);
  writer.uint64(metadata.length);
  for (const [key, writeValue] of metadata) {
    writer.string(key);
    writeValue(writer);
  }
  // Tensor infos, each with its data's offset from the (aligned) start of the data section.
  const byteSize = (tensor: Tensor) => tensor.dims.reduce((product, dim) => product * dim, 1) * 4;
  let offset = 0;
  for (const tensor of tensors) {
    writer.string(tensor.name);
    writer.uint32(tensor.dims.length);
    for (const dim of tensor.dims) writer.uint64(dim);
    writer.uint32(0); // GGML_TYPE_F32
    writer.uint64(offset);
    offset += Math.ceil(byteSize(tensor) / ALIGNMENT) * ALIGNMENT;
  }
  writer.padTo(ALIGNMENT);
  for (const tensor of tensors) {
    const values = new Float32Array(byteSize(tensor) / 4);
    for (let index = 0; index < values.length; index++) values[index] = tensor.valueAt(index);
    writer.bytes(Buffer.from(values.buffer));
    writer.padTo(ALIGNMENT);
  }
  writeFileSync(path, writer.toBuffer());
}
